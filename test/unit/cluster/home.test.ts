// The state directory of named clusters (src/cluster/home.ts), with hand-made cluster.json files and
// this process's pid as the live one: names are reserved atomically and refused when taken, clusters
// are listed with whether their process lives, and prune removes the dead ones only.

import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TopologyConfigError,
  clusterHome,
  findCluster,
  listClusters,
  pruneClusters,
  removeClusterEntry,
  reserveCluster,
} from '../../../src/index.js';

/** A pid that does not exist (above Linux's pid_max limit). */
const DEAD_PID = 4_194_305;

let home: string | undefined;
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});
function newHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'mt-home-'));
  home = h;
  return h;
}

function writeState(
  dir: string,
  o: { state?: string; mode: 'daemon' | 'in-process'; ownerPid: number; supervisorPid: number },
) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'cluster.json'),
    JSON.stringify({
      format: 1,
      name: 'x',
      state: o.state ?? 'running',
      uri: 'mongodb://127.0.0.1:1/',
      owner: { pid: o.ownerPid, startedAt: new Date().toISOString() },
      supervisor: { mode: o.mode, pid: o.supervisorPid, url: 'http://127.0.0.1:1' },
      nodes: [],
      layout: { kind: 'standalone' },
    }),
  );
}

describe('clusterHome', () => {
  it('explicit > MONGO_TOPOLOGY_HOME > ~/.mongo-topology', () => {
    expect(clusterHome({ home: '/a', env: { MONGO_TOPOLOGY_HOME: '/b' } })).toBe('/a');
    expect(clusterHome({ env: { MONGO_TOPOLOGY_HOME: '/b' } })).toBe('/b');
    expect(clusterHome({ env: {} })).toMatch(/\.mongo-topology$/);
  });
});

describe('reserveCluster', () => {
  it('reserves a name once; the second reservation fails and says what to do', () => {
    const h = newHome();
    const r = reserveCluster(h, 'dev');
    expect(r.clusterDir).toBe(join(h, 'clusters', 'dev'));
    expect(findCluster(h, 'dev')).toMatchObject({ status: 'booting', alive: true });
    expect(() => reserveCluster(h, 'dev')).toThrow(TopologyConfigError);
    expect(() => reserveCluster(h, 'dev')).toThrow(/already exists[\s\S]*mongo-topology down dev/);
    r.release();
    expect(existsSync(r.clusterDir)).toBe(false);
    expect(() => reserveCluster(h, 'bad name!')).toThrow(/must start with a letter/);
  });

  it('a chosen data dir is linked by name and survives release', () => {
    const h = newHome();
    const data = join(h, 'elsewhere');
    const r = reserveCluster(h, 'linked', { dataDir: data });
    expect(r.clusterDir).toBe(data);
    expect(lstatSync(join(h, 'clusters', 'linked')).isSymbolicLink()).toBe(true);
    r.release();
    expect(existsSync(join(h, 'clusters', 'linked'))).toBe(false);
    expect(existsSync(data)).toBe(true);
  });

  it('keepData leaves the entry, listed as stopped once the state says so', () => {
    const h = newHome();
    const r = reserveCluster(h, 'kept');
    writeState(r.clusterDir, { state: 'stopped', mode: 'daemon', ownerPid: DEAD_PID, supervisorPid: DEAD_PID });
    r.release({ keepData: true });
    expect(findCluster(h, 'kept')).toMatchObject({ status: 'stopped', alive: false });
    removeClusterEntry({ entry: join(h, 'clusters', 'kept'), clusterDir: r.clusterDir });
    expect(listClusters(h)).toEqual([]);
  });
});

describe('listClusters and pruneClusters', () => {
  it('tells live clusters from gone ones, and prunes only the gone', async () => {
    const h = newHome();
    const c = (n: string) => join(h, 'clusters', n);
    writeState(c('alive-fg'), { mode: 'in-process', ownerPid: process.pid, supervisorPid: process.pid });
    writeState(c('dead-daemon'), { mode: 'daemon', ownerPid: DEAD_PID, supervisorPid: DEAD_PID });
    // A live pid that is not the cluster's (pid reuse): its supervisor is gone all the same.
    writeState(c('reused-pid'), { mode: 'daemon', ownerPid: DEAD_PID, supervisorPid: process.pid });
    writeState(c('kept'), { state: 'stopped', mode: 'daemon', ownerPid: DEAD_PID, supervisorPid: DEAD_PID });
    mkdirSync(c('abandoned'));
    writeFileSync(join(c('abandoned'), '.mongo-topology-reservation.json'), JSON.stringify({ pid: DEAD_PID }));
    mkdirSync(c('broken'));
    writeFileSync(join(c('broken'), 'cluster.json'), '{ not json');

    const listed = Object.fromEntries(listClusters(h).map((x) => [x.name, x.status]));
    expect(listed).toEqual({
      abandoned: 'abandoned',
      'alive-fg': 'running',
      broken: 'gone',
      'dead-daemon': 'gone',
      kept: 'stopped',
      'reused-pid': 'gone',
    });
    const pruned = await pruneClusters(h);
    expect(pruned.map((p) => p.name).sort()).toEqual(['abandoned', 'broken', 'dead-daemon', 'kept', 'reused-pid']);
    expect(readdirSync(join(h, 'clusters'))).toEqual(['alive-fg']);
    expect(listClusters(join(h, 'nothing-here'))).toEqual([]);
  });
});
