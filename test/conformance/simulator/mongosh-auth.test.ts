// mongosh (a third-party client) against a simulated mongod with a key file: `-u/-p` logs in over
// SCRAM, the session runs as that user, and a wrong password fails like against a real server.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMongosh, type MongoshResult } from '../../helpers/mongosh.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, type SimNode } from '../../helpers/simulator.js';

let dir: string;
let node: SimNode;

function mongosh(args: string[]): Promise<MongoshResult> {
  return runMongosh(dir, args);
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
