// How the simulated mongod starts with --auth / --noauth / --keyFile / security.* YAML: key files
// readable by group or others, with characters outside base64, or of the wrong length are refused
// with mongod's log lines and exit code 1; the startup warning about access control follows auth.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, parseLogLines, removeDir, runMongod, startNode } from '../../helpers/simulator.js';

let dir: string;
let n = 0;

beforeAll(() => {
  dir = makeTempDir('mt-authkf-');
});

afterAll(async () => {
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

function keyFile(content: string, mode = 0o600): string {
  const p = join(dir, `key${n++}`);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

function dbPath(): string {
  const p = join(dir, `db${n++}`);
  mkdirSync(p);
  return p;
}

async function refused(args: string[]) {
  const r = await runMongod(['--port', '0', '--dbpath', dbPath(), '--nounixsocket', ...args]);
  expect(r.code).toBe(1);
  const lines = parseLogLines(r.stdout);
  const last = lines.at(-1)!;
  expect(last).toMatchObject({
    s: 'F',
    c: 'CONTROL',
    id: 20575,
    ctx: 'main',
    msg: 'Error creating service context',
    attr: { error: 'Location5579201: Unable to acquire security key[s]' },
  });
  expect(lines.some((l) => l.id === 23016)).toBe(false);
  return lines;
}

describe('refused key files', () => {
  it('readable by group or others: "permissions on <file> are too open"', async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const key = keyFile('abcdefghijkl\n', mode);
      const lines = await refused(['--keyFile', key]);
      expect(lines.at(-2)).toMatchObject({
        s: 'I',
        c: 'ACCESS',
        id: 20254,
        ctx: 'main',
        msg: 'Read security file failed',
        attr: { error: { code: 30, codeName: 'InvalidPath', errmsg: `permissions on ${key} are too open` } },
      });
    }
  });

  it('missing, with characters outside base64, empty, too short or too long', async () => {
    const missing = join(dir, 'nope');
    expect((await refused(['--keyFile', missing])).at(-2)!.attr).toEqual({
      error: { code: 30, codeName: 'InvalidPath', errmsg: `Error reading file ${missing}: No such file or directory` },
    });
    const bad = keyFile('abc!defgh\n');
    expect((await refused(['--keyFile', bad])).at(-2)!.attr).toEqual({
      error: { code: 12, codeName: 'UnsupportedFormat', errmsg: `invalid char in key file ${bad}: !` },
    });
    for (const [content, size] of [
      ['', 0],
      ['abc de\n', 5],
      ['x'.repeat(1025), 1025],
    ] as const) {
      const key = keyFile(content);
      expect((await refused(['--keyFile', key])).at(-2)).toMatchObject({
        c: 'ACCESS',
        id: 20256,
        attr: { filename: key, size },
      });
    }
  });

  it('through the YAML config file as well', async () => {
    const key = keyFile('abcdefghijkl', 0o664);
    const conf = join(dir, 'mongod.conf');
    writeFileSync(conf, `security:\n  keyFile: ${key}\n  authorization: enabled\n`);
    await refused(['--config', conf]);
  });
});

describe('accepted settings', () => {
  it('strips whitespace from keys, and --auth/--keyFile drop the access-control warning; --noauth keeps it', async () => {
    const spaced = keyFile('abc def\n  ghi\r\n');
    const cases: [string[], boolean][] = [
      [['--auth'], false],
      [['--keyFile', spaced], false],
      [['--keyFile', spaced, '--noauth'], true],
      [['--noauth'], true],
    ];
    for (const [args, warns] of cases) {
      const node = await startNode({ dir: join(dir, `n${n++}`), args });
      try {
        expect(node.lines.some((l) => l.id === 22120)).toBe(warns);
        const opts = await node.command({ getCmdLineOpts: 1 }).catch((e: Error) => e);
        if (args.includes('--noauth')) expect(opts).toMatchObject({ ok: 1 });
        else expect(opts).toMatchObject({ code: 13 });
      } finally {
        await node.stop('SIGTERM');
      }
    }
  });

  it('authenticates __system with the stripped key (as mongodb-runner does)', async () => {
    const key = keyFile('abc def\n  ghi\n');
    const node = await startNode({ dir: join(dir, `n${n++}`), args: ['--keyFile', key] });
    const { MongoClient } = await import('mongodb');
    const c = new MongoClient(`mongodb://${node.host}/?directConnection=true&serverSelectionTimeoutMS=15000`, {
      auth: { username: '__system', password: 'abcdefghi' },
      authSource: 'local',
      authMechanism: 'SCRAM-SHA-256',
    });
    try {
      const s = await c.db('admin').command({ connectionStatus: 1 });
      expect(s.authInfo).toEqual({
        authenticatedUsers: [{ user: '__system', db: 'local' }],
        authenticatedUserRoles: [{ role: '__system', db: 'admin' }],
      });
      await expect(c.db('local').collection('mongodbrunner').insertOne({ x: 1 })).resolves.toBeTruthy();
    } finally {
      await c.close();
      await node.stop('SIGTERM');
    }
  });
});
