import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyConfigError, cluster, plan } from '../../../src/index.js';
import { layoutFromPlan } from '../../../src/cluster/layout.js';
import { layoutOfState, readStateFile, stateOf, writeStateFile } from '../../../src/cluster/state-file.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('cluster.json', () => {
  it('round-trips the layout, records pids and URIs, and is written with mode 0600', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-state-'));
    const p = await plan(cluster().replicaSet(2).auth({ username: 'u', password: 'p' }), {
      clusterDir: dir,
      ports: new FakePorts(44000),
      randomBytes: seededRandomBytes(2),
    });
    const layout = layoutFromPlan(p, { mongod: '/bin/mongod' }, '8.0.4', 'in-process');
    const state = stateOf(layout, {
      state: 'running',
      ownerPid: 123,
      startedAt: new Date(0),
      supervisorPid: 123,
      ownsDir: true,
      keep: false,
      pids: new Map([['rs0-0', 77]]),
    });
    expect(state.nodes.map((n) => [n.name, n.pid, n.uri])).toEqual([
      ['rs0-0', 77, 'mongodb://u:p@127.0.0.1:44000/?directConnection=true&authSource=admin'],
      ['rs0-1', 0, 'mongodb://u:p@127.0.0.1:44001/?directConnection=true&authSource=admin'],
    ]);
    expect(state.uri).toBe('mongodb://u:p@127.0.0.1:44000,127.0.0.1:44001/?replicaSet=rs0&authSource=admin');
    await writeStateFile(dir, state);
    expect(statSync(join(dir, 'cluster.json')).mode & 0o777).toBe(0o600);
    const back = readStateFile(dir);
    expect(back.file).toBe(join(dir, 'cluster.json'));
    expect(layoutOfState(back.state)).toEqual(JSON.parse(JSON.stringify(layout)));
    expect(readStateFile(back.file).state).toEqual(back.state);
  });

  it('refuses what is not a cluster state file', () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-state-'));
    expect(() => readStateFile(join(dir!, 'missing.json'))).toThrow(TopologyConfigError);
    writeFileSync(join(dir, 'cluster.json'), '{"format": 99}');
    expect(() => readStateFile(dir!)).toThrow(/format 1/);
    writeFileSync(join(dir, 'cluster.json'), 'not json');
    expect(() => readStateFile(dir!)).toThrow(/Cannot read/);
  });
});
