// mongosh (a third-party client) against a simulated mongod with a key file: `-u/-p` logs in over
// SCRAM, the session runs as that user, and a wrong password fails like against a real server.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, type SimNode } from '../../helpers/simulator.js';

const MONGOSH = resolve(import.meta.dirname, '../../../node_modules/.bin/mongosh');

let dir: string;
let node: SimNode;

function mongosh(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    execFile(
      MONGOSH,
      [...args, '--quiet', '--norc'],
      { timeout: 90_000, env: { ...process.env, MONGOSH_NO_UPDATE_CHECK: '1', HOME: dir } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          rej(error);
          return;
        }
        res({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  dir = makeTempDir('mt-mongosh-auth-');
  const key = join(dir, 'keyfile');
  writeFileSync(key, 'bW9uZ29zaCBrZXkgZmlsZQ==', { mode: 0o600 });
  node = await startNode({ dir: join(dir, 'a'), args: ['--keyFile', key] });
  await node.command({ createUser: 'admin', pwd: 'adm1n', roles: ['root'] });
});

afterAll(async () => {
  await node?.stop('SIGTERM');
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('mongosh -u/-p', () => {
  it('logs in and works as that user', async () => {
    const r = await mongosh([
      `mongodb://${node.host}/app`,
      '-u',
      'admin',
      '-p',
      'adm1n',
      '--authenticationDatabase',
      'admin',
      '--eval',
      'db.items.insertOne({n: 1}); print(JSON.stringify({count: db.items.countDocuments(), who: db.runCommand({connectionStatus: 1}).authInfo.authenticatedUsers}))',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({
      count: 1,
      who: [{ user: 'admin', db: 'admin' }],
    });
  });

  it('fails with a wrong password', async () => {
    const r = await mongosh([
      `mongodb://${node.host}/app`,
      '-u',
      'admin',
      '-p',
      'wrong',
      '--authenticationDatabase',
      'admin',
      '--eval',
      '1',
    ]);
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('MongoServerError: Authentication failed.');
  });
});
