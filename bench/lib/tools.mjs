// The tools under comparison, behind one shape: start a topology in a given private directory and
// hand back its URI, its member processes and a stop. Each tool keeps its own defaults; only what is
// needed to build the same topology (member counts, the simulated binaries, a directory to work in)
// is set. Runs inside a trial worker (bench/trial.mjs), one topology per process.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(root, 'fixtures', 'bin');

/**
 * Topology shapes. `processes` counts every server process (mongod + mongos). The peers build only
 * `rs` and `sharded`; the scaling shapes are mongo-topology's alone.
 */
export const SHAPES = {
  standalone: { processes: 1, label: '1: standalone', sharded: false },
  rs: { processes: 3, label: '3: replica set of 3', sharded: false },
  sharded: { processes: 10, label: '10: 2 shards x 3, 3 config servers, 1 mongos', sharded: true },
  scale9: { processes: 9, label: '9: 2 shards x 3, 1 config server, 2 mongos', sharded: true },
  scale27: { processes: 27, label: '27: 7 shards x 3, 3 config servers, 3 mongos', sharded: true },
};

/** Whether the simulated mongos exists (it arrives with the sharding work). */
export const hasMongos = () => existsSync(join(BIN, 'mongos'));

const portOf = (hostport) => Number(hostport.slice(hostport.lastIndexOf(':') + 1));

/** mongo-topology: the fluent spec, started with its in-process supervisor (the default). */
async function ours(shape, dir, env) {
  const { cluster } = await import(join(root, 'dist', 'index.js'));
  const base = cluster().binDir(BIN);
  const spec = {
    standalone: () => base,
    rs: () => base.replicaSet(3),
    sharded: () => base.shards(2).replicaSet(3).configServers(3).mongos(1),
    scale9: () => base.shards(2).replicaSet(3).configServers(1).mongos(2),
    scale27: () => base.shards(7).replicaSet(3).configServers(3).mongos(3),
  }[shape]();
  const events = [];
  const c = await spec.start({ tmpDir: dir, env, onEvent: (e) => events.push(e) });
  return {
    uri: c.uri,
    ports: () => c.layout.nodes.map((n) => n.port),
    pidOf: async (hostport) => {
      const node = c.nodes.find((n) => n.address === hostport);
      return node ? await node.pid() : undefined;
    },
    cluster: c,
    events,
    stop: async () => {
      await c.stop();
    },
  };
}

/** mongodb-memory-server-core: MongoMemoryReplSet with the simulated mongod as its system binary. */
async function mms(shape, _dir, _env) {
  if (shape !== 'rs') throw new Error(`mongodb-memory-server has no ${shape} topology`);
  // Never download: the system binary is the simulator. MMS makes its dbPaths under os.tmpdir(), which
  // the trial worker pointed at the trial's private directory (TMPDIR).
  process.env.MONGOMS_SYSTEM_BINARY = join(BIN, 'mongod');
  process.env.MONGOMS_DISABLE_POSTINSTALL = '1';
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const rs = await MongoMemoryReplSet.create({
    binary: { systemBinary: join(BIN, 'mongod') },
    replSet: { count: 3 },
  });
  return {
    uri: rs.getUri(),
    ports: () => rs.servers.map((s) => s.instanceInfo?.port).filter(Boolean),
    pidOf: async (hostport) =>
      rs.servers.find((s) => s.instanceInfo?.port === portOf(hostport))?.instanceInfo?.instance.mongodProcess?.pid,
    stop: async () => {
      await rs.stop();
    },
  };
}

/** mongodb-runner: MongoCluster (as its CLI uses it) with binDir fixtures/bin. */
async function runner(shape, dir, _env) {
  const { MongoCluster } = await import('mongodb-runner');
  let options;
  // Its replset default is 1 primary + 2 secondaries; sharded: `shards` data sets plus a config set,
  // each a replset of `secondaries` + 1, and one mongos.
  if (shape === 'rs') options = { topology: 'replset', secondaries: 2, arbiters: 0 };
  else if (shape === 'sharded') options = { topology: 'sharded', shards: 2, secondaries: 2, arbiters: 0 };
  else throw new Error(`mongodb-runner comparison has no ${shape} topology`);
  const c = await MongoCluster.start({ ...options, binDir: BIN, tmpDir: dir });
  const servers = () => {
    const s = c.serialize();
    const all = [...s.servers];
    for (const shard of s.shards) all.push(...shard.servers);
    return all;
  };
  return {
    uri: c.connectionString,
    ports: () => servers().map((s) => s.port),
    pidOf: async (hostport) => servers().find((s) => s.port === portOf(hostport))?.pid,
    stop: async () => {
      await c.close();
    },
  };
}

/** Tool id → { label, start(shape, dir, env) }. */
export const TOOLS = {
  ours: { label: 'mongo-topology', start: ours },
  mms: { label: 'MongoMemoryReplSet', start: mms },
  runner: { label: 'mongodb-runner', start: runner },
};
