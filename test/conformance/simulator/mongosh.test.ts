// mongosh (npm) against a simulated replica set: connect with ?replicaSet=, run rs.status() and an
// insert through --eval. mongosh runs with HOME in the test's temp dir so it writes nothing elsewhere.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';

const MONGOSH = resolve(import.meta.dirname, '../../../node_modules/.bin/mongosh');
let dir: string;
let set: SimSet;

beforeAll(async () => {
  dir = makeTempDir();
  set = await startSet({ dir, members: 3 });
});

afterAll(async () => {
  await set?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

function mongosh(uri: string, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return new Promise((res, rej) => {
    const p = spawn(MONGOSH, ['--norc', '--quiet', uri, '--eval', script], {
      env: { ...process.env, HOME: home, MONGOSH_NO_TELEMETRY: '1' },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`mongosh did not finish within 90 s\nstdout:${stdout}\nstderr:${stderr}`));
    }, 90_000);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}

describe('mongosh', () => {
  it('runs rs.status() and an insert with --eval against the set', async () => {
    const script = [
      'const s = rs.status();',
      'print(JSON.stringify({ set: s.set, ok: s.ok, states: s.members.map((m) => m.stateStr).sort() }));',
      "const r = db.getSiblingDB('shell').items.insertOne({ from: 'mongosh' }, { writeConcern: { w: 'majority' } });",
      "print(JSON.stringify({ acknowledged: r.acknowledged, count: db.getSiblingDB('shell').items.countDocuments() }));",
    ].join('\n');
    const r = await mongosh(`${set.uri}`, script);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(JSON.parse(lines[0])).toEqual({ set: 'rs0', ok: 1, states: ['PRIMARY', 'SECONDARY', 'SECONDARY'] });
    expect(JSON.parse(lines[1])).toEqual({ acknowledged: true, count: 1 });
    const c = set.client();
    expect(
      await c
        .db('shell')
        .collection('items')
        .findOne({}, { projection: { _id: 0 } }),
    ).toEqual({ from: 'mongosh' });
    await c.close();
  });
});
