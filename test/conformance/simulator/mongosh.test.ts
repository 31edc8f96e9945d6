// mongosh (npm) against a simulated replica set: connect with ?replicaSet=, run rs.status() and an
// insert through --eval. mongosh runs with HOME in the test's temp dir so it writes nothing elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { runMongosh, type MongoshResult } from '../../helpers/mongosh.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';

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

function mongosh(uri: string, script: string): Promise<MongoshResult> {
  return runMongosh(dir, [uri, '--eval', script]);
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
