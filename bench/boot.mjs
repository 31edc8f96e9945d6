#!/usr/bin/env node
// Benchmark (not a test): how long `spec.start()` takes for a 3-member replica set and for a sharded
// cluster (2 shards x 3 members, 3 config servers, 2 routers), with the simulator's start delay
// modelling a real server (default 500 ms), next to the critical-path bound: the sum of the waits no
// boot can avoid, taken from the servers' own logs (bench/lib/critical-path.mjs):
//   listen    a set's slowest member from spawn until "Waiting for connections" (23016): every member
//             must listen before its set is initiated;
//   config    replSetInitiate until a majority of voters installed the config (21392);
//   election  "Starting an election due to step up request" until writable (21331), on the primary;
//   sync      writable until the last member is SECONDARY/ARBITER (21358), for the set to be ready;
//   router    a router's spawn until it listens (sharded; it starts once the config set has a primary);
//   addShard  the slowest addShard round trip, from the later of (shard primary, routers up).
// RS bound = listen + config + election + sync. Sharded bound = the longest of the per-shard paths
// max(listen + config/election of configRS + router, listen + config/election of the shard) + addShard,
// and of every set's path to ready. The tool's own work (binary check, plan, files, supervisor, the
// final majority write) is the difference. Goal: total within 1.25x of the bound.
// Needs `npm run build` first (it runs dist/). Usage:
//   node bench/boot.mjs [--runs 3] [--delay 500] [--bin fixtures/bin] [--only rs|sharded] [--bare-listen] [--json]
// The listen phase is each set's slowest member in the run itself (its spawn to its 23016 line);
// --bare-listen measures N bare mongods started at once before each run instead (noisier on a shared
// machine: the load at that moment is not the load during the boot). npm run bench runs this boot
// side by side with the peers.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareListen, criticalPath, logOf } from './lib/critical-path.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(root, 'dist', 'index.js');
if (!existsSync(DIST)) {
  console.error('bench/boot.mjs: run `npm run build` first (needs dist/).');
  process.exit(2);
}
const { cluster } = await import(DIST);

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : argv[i + 1];
};
const RUNS = Number(opt('runs', 3));
const DELAY = Number(opt('delay', 500));
const BIN = resolve(opt('bin', join(root, 'fixtures', 'bin')));
const ONLY = opt('only', undefined);
const JSON_OUT = argv.includes('--json');
const BARE = argv.includes('--bare-listen');
const ENV = { MONGOSIM_START_DELAY_MS: String(DELAY) };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function run(name, spec, mongodCount) {
  const results = [];
  for (let r = 0; r < RUNS; r++) {
    const bare = BARE ? await bareListen(BIN, mongodCount, ENV) : undefined;
    const events = [];
    const tmp = mkdtempSync(join(tmpdir(), 'mt-bench-boot-'));
    const t0 = Date.now();
    const c = await spec.start({ tmpDir: tmp, env: ENV, keep: true, onEvent: (e) => events.push(e) });
    const totalMs = Date.now() - t0;
    const layout = c.layout;
    const at = (pred) => events.find(pred)?.time;
    const { boundMs, listenMs, routerMs, addShardMs, phases } = criticalPath(layout, events, bare);
    const t = (type) => (at((e) => e.type === type) ?? t0) - t0;
    results.push({
      totalMs,
      boundMs,
      ratio: totalMs / boundMs,
      listenMs,
      routerMs,
      addShardMs,
      phases,
      tool: {
        binariesMs: t('binaryResolved'),
        plannedMs: t('planned'),
        supervisorMs: t('supervisorStarted'),
        majorityWriteMs: totalMs - Math.max(...events.filter((e) => e.type !== 'clusterReady').map((e) => e.time - t0)),
        firstStartMs: t('nodeStarting'),
        lastMemberReadyMs: Math.max(
          ...events.filter((e) => e.type === 'nodeReady' && !e.node.startsWith('mongos')).map((e) => e.time - t0),
        ),
        firstInitiateMs: t('replicaSetInitiated'),
        helloAfterListenMs: Math.max(
          ...layout.nodes.map((n) => {
            const listening = logOf(n.logFile).find((e) => e.id === 23016)?.t ?? 0;
            const ready = at((e) => e.type === 'nodeReady' && e.node === n.name) ?? listening;
            return ready - listening;
          }),
        ),
        lastReadyMs: Math.max(...events.filter((e) => e.type === 'replicaSetReady').map((e) => e.time - t0)),
      },
    });
    await c.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const pick = results.find((x) => x.totalMs === median(results.map((y) => y.totalMs)));
  return { name, runs: results, median: pick };
}

const out = [];
if (ONLY === undefined || ONLY === 'rs')
  out.push(await run('replica set (3 members)', cluster().replicaSet(3).binDir(BIN), 3));
if ((ONLY === undefined || ONLY === 'sharded') && existsSync(join(BIN, 'mongos'))) {
  out.push(
    await run(
      'sharded (2 shards x 3, 3 config servers, 2 mongos)',
      cluster().shards(2).replicaSet(3).configServers(3).mongos(2).binDir(BIN),
      9,
    ),
  );
} else if (ONLY !== 'rs') {
  console.error(`(no mongos in ${BIN}: sharded cluster skipped)`);
}

if (JSON_OUT) {
  console.log(JSON.stringify(out, null, 2));
} else {
  console.log(
    `boot time with MONGOSIM_START_DELAY_MS=${DELAY}, ${RUNS} run(s) each, median shown (all totals in brackets)\n`,
  );
  for (const r of out) {
    const m = r.median;
    const sets = Object.entries(m.phases)
      .map(([s, p]) => `${s}: config ${p.configMs} + election ${p.electionMs} + sync ${p.syncMs}`)
      .join('; ');
    console.log(`${r.name}`);
    console.log(`  total   ${m.totalMs} ms  [${r.runs.map((x) => x.totalMs).join(', ')}]`);
    console.log(
      `  bound   ${m.boundMs} ms  (listen ${m.listenMs}${m.routerMs ? `, router ${m.routerMs}, addShard ${m.addShardMs}` : ''}; ${sets})`,
    );
    console.log(`  ratio   ${m.ratio.toFixed(2)}x  (goal <= 1.25x)`);
    console.log(
      `  tool    binaries resolved at ${m.tool.binariesMs} ms, planned at ${m.tool.plannedMs} ms, supervisor up at ${m.tool.supervisorMs} ms, first node started at ${m.tool.firstStartMs} ms,\n` +
        `          every member listening at ${m.tool.lastMemberReadyMs} ms, first initiate at ${m.tool.firstInitiateMs} ms, every set ready at ${m.tool.lastReadyMs} ms, final majority write ${m.tool.majorityWriteMs} ms,\n` +
        `          slowest node ready ${m.tool.helloAfterListenMs} ms after its 23016 line\n`,
    );
  }
}
