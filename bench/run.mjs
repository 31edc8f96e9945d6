#!/usr/bin/env node
// The benchmark entry (`npm run bench`): runs every comparison in interleaved rounds on the simulated
// binaries with a start delay modelling a real server, prints the tables (markdown) and writes them,
// with the machine they ran on, to docs/performance.md. Never part of the test pass/fail.
//   1. replica set of 3: boot to a w:majority write, SIGKILL of the primary to a write, teardown
//      (mongo-topology, MongoMemoryReplSet, mongodb-runner);
//   2. sharded (2 shards x 3, 3 config servers, 1 mongos): boot and teardown (mongo-topology,
//      mongodb-runner);
//   3. supervisor: SIGKILL-to-respawn latency and RSS with 50 programs (ours, supervisord 4.2.5);
//   4. scaling: mongo-topology's boot for 1, 3, 9 and 27 processes.
// Sections run interleaved (round r of every section before round r + 1 of any), and within a round
// the tools in an order that rotates each round. Each trial runs in its own process (bench/trial.mjs)
// in a private directory; everything it starts is found and killed afterwards whatever happened. No
// new round starts once the time budget is spent (the page says what was cut).
//
// Usage: node bench/run.mjs [options]   (npm run bench -- [options] builds first)
//   --runs N             rounds of the replica-set comparison          (BENCH_RUNS, default 5)
//   --sharded-runs N     rounds of the sharded comparison              (BENCH_SHARDED_RUNS, default 5)
//   --scale-runs N       rounds of the scaling series                  (BENCH_SCALE_RUNS, default 5)
//   --scale27-runs N     of which the 27-process shape runs           (BENCH_SCALE27_RUNS, default 5)
//   --supervisor-runs N  rounds of the supervisor comparison           (BENCH_SUPERVISOR_RUNS, default 5)
//   --kills N            SIGKILLs per supervisor round                 (BENCH_KILLS, default 6)
//   --programs N         programs for the supervisor RSS figure        (BENCH_PROGRAMS, default 50)
//   --delay MS           MONGOSIM_START_DELAY_MS                       (BENCH_DELAY_MS, default 500)
//   --failover-deadline MS  give up on a write after a SIGKILL of the primary (default: twice the
//                        set's electionTimeoutMillis, at least 15 s)
//   --only a,b           sections: rs, sharded, supervisor, scaling    (BENCH_ONLY, default all)
//   --budget-min M       start no new round after M minutes            (BENCH_BUDGET_MIN, default 12)
//   --out FILE           where the page goes                           (default docs/performance.md)
//   --no-write           print only

import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg } from './lib/chart.mjs';
import { machine } from './lib/procs.mjs';
import {
  formatKib,
  formatMs,
  formatRatio,
  formatSummary,
  markdownTable,
  median,
  rotation,
  summarize,
} from './lib/stats.mjs';
import { hasSupervisord, memory, respawnLatency } from './lib/supervisor.mjs';
import { hasMongos, SHAPES, TOOLS } from './lib/tools.mjs';
import { runTrial } from './lib/trials.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name, envName, dflt) => {
  const i = argv.indexOf(`--${name}`);
  if (i !== -1) return argv[i + 1];
  return process.env[envName] ?? dflt;
};
const int = (name, envName, dflt) => {
  const v = Number(flag(name, envName, dflt));
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number >= 0, got ${v}`);
  return v;
};
const RUNS = int('runs', 'BENCH_RUNS', 5);
const SHARDED_RUNS = int('sharded-runs', 'BENCH_SHARDED_RUNS', 5);
const SCALE_RUNS = int('scale-runs', 'BENCH_SCALE_RUNS', 5);
const SCALE27_RUNS = int('scale27-runs', 'BENCH_SCALE27_RUNS', 5);
const SUP_RUNS = int('supervisor-runs', 'BENCH_SUPERVISOR_RUNS', 5);
const KILLS = int('kills', 'BENCH_KILLS', 6);
const PROGRAMS = int('programs', 'BENCH_PROGRAMS', 50);
const DELAY = int('delay', 'BENCH_DELAY_MS', 500);
const FAILOVER_DEADLINE = flag('failover-deadline', 'BENCH_FAILOVER_DEADLINE_MS', undefined);
const ONLY = String(flag('only', 'BENCH_ONLY', 'rs,sharded,supervisor,scaling')).split(',');
const BUDGET_MS = Number(flag('budget-min', 'BENCH_BUDGET_MIN', 12)) * 60_000;
const OUT = resolve(root, flag('out', 'BENCH_OUT', 'docs/performance.md'));
const WRITE = !argv.includes('--no-write');

const started = Date.now();
const log = (...a) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s]`, ...a);
const overBudget = () => Date.now() - started > BUDGET_MS;
const skipped = [];

async function trial(spec) {
  const r = await runTrial({
    delayMs: DELAY,
    failoverDeadlineMs: FAILOVER_DEADLINE === undefined ? undefined : Number(FAILOVER_DEADLINE),
    ...spec,
  });
  const what = `${TOOLS[spec.tool].label} ${spec.shape}`;
  if (r.error) log(`${what}: FAILED ${r.error.split('\n').slice(0, 12).join('\n    ')}`);
  else
    log(
      `${what}: boot ${formatMs(r.bootMs)}${r.boundMs ? ` (bound ${formatMs(r.boundMs)})` : ''}` +
        `${spec.failover ? `, failover ${r.failoverMs === null ? `none within ${formatMs(r.failoverDeadlineMs)}` : formatMs(r.failoverMs)}` : ''}` +
        `, teardown ${formatMs(r.teardownMs)}`,
    );
  return r;
}

const SHARED_PORT_LOCKS = /^mongo-topology-[^/]+(\/ports)?$/;

/**
 * What the trials of one tool left behind after its stop() resolved: processes still alive 2 s later
 * (or that the bench had to kill), files in its private directory, mongod unix sockets. The unix
 * socket of a member the failover test SIGKILLed is the kill's doing, not the teardown's: listed apart.
 */
function leftovers(results) {
  const ok = results.filter((r) => r.leftover);
  if (ok.length === 0) return '–';
  const parts = [];
  const procs = ok.filter((r) => r.leftover.processesAfter2s.length > 0 || r.benchKilled?.length > 0).length;
  const lingering = ok.filter((r) => r.leftover.processesAtStop.length > 0).length;
  const files = ok.filter((r) => r.leftover.files.some((f) => !SHARED_PORT_LOCKS.test(f))).length;
  const sockets = ok.filter((r) => r.leftover.sockets.some((s) => s !== `/tmp/mongodb-${r.killedPort}.sock`)).length;
  const killedSockets = ok.filter((r) => r.leftover.sockets.includes(`/tmp/mongodb-${r.killedPort}.sock`)).length;
  if (procs) parts.push(`processes in ${procs}/${ok.length} runs`);
  else if (lingering) parts.push(`none (processes gone within 2 s of stop() in ${lingering}/${ok.length} runs)`);
  if (files) parts.push(`files in ${files}/${ok.length} runs`);
  if (sockets) parts.push(`unix sockets in ${sockets}/${ok.length} runs`);
  const text = parts.length === 0 ? 'none' : parts.join('; ');
  return killedSockets
    ? `${text} (the SIGKILLed member's unix socket stays, ${killedSockets}/${ok.length} runs)`
    : text;
}

/** One chart bar from a tool's runs. */
function bar(label, results, key, note) {
  const sum = summarize(samples(results, key));
  return { label, median: sum.median, min: sum.min, max: sum.max, note: sum.n === 0 ? note : undefined };
}

/** mongo-topology's runs of the replica-set and sharded sections, for the scaling table. */
const oursRuns = { rs: [], sharded: [] };

const samples = (results, key) => results.map((r) => (r.error ? null : (r[key] ?? null)));

// ---------------------------------------------------------------------------------------------------
// 1. Replica set of 3: boot, failover, teardown.

function replicaSetSection() {
  const tools = ['ours', 'mms', 'runner'];
  const by = Object.fromEntries(tools.map((t) => [t, []]));
  by.ours = oursRuns.rs;
  const round = async (r) => {
    for (const tool of rotation(tools, r))
      by[tool].push(await trial({ tool, shape: 'rs', failover: true, bound: tool === 'ours' }));
  };
  return { name: 'replica set', rounds: RUNS, round, render };
  function render() {
    const bound = summarize(samples(by.ours, 'boundMs'));
    const oursBoot = median(samples(by.ours, 'bootMs'));
    const oursFail = median(samples(by.ours, 'failoverMs'));
    const rows = tools.map((tool) => {
      const res = by[tool];
      const boot = summarize(samples(res, 'bootMs'));
      const fail = summarize(res.filter((x) => !x.error).map((x) => x.failoverMs ?? null));
      const teardown = summarize(samples(res, 'teardownMs'));
      const back = res.filter((x) => x.killedMemberBack).length;
      const elected = res.filter((x) => x.failoverMs !== null && x.failoverMs !== undefined).length;
      const eto = median(samples(res, 'electionTimeoutMs'));
      const deadline = median(samples(res, 'failoverDeadlineMs'));
      const how =
        res.length === 0
          ? '–'
          : `${elected === 0 ? `no writable primary within ${formatMs(deadline)}` : `new primary elected (${elected}/${res.length})`}; killed member restarted ${back}/${res.length}`;
      return [
        TOOLS[tool].label,
        formatSummary(boot),
        formatRatio(boot.median, bound.median),
        tool === 'ours' ? '1.00x' : formatRatio(boot.median, oursBoot),
        formatSummary(fail),
        tool === 'ours' ? (fail.n ? '1.00x' : '–') : formatRatio(fail.median, oursFail),
        Number.isFinite(eto) ? formatMs(eto) : '–',
        how,
        formatSummary(teardown),
        leftovers(res),
      ];
    });
    rows.push([
      'critical-path bound',
      formatSummary(bound),
      '1.00x',
      '',
      '',
      '',
      '',
      'from the servers’ logs of each mongo-topology run: listen + initiate + step-up election + secondaries in sync',
      '',
      '',
    ]);
    const table = markdownTable(
      [
        'tool',
        'boot to w:majority write',
        '× bound',
        '× mongo-topology',
        'SIGKILL primary → write',
        '× mongo-topology',
        'set’s electionTimeoutMillis',
        'recovery',
        'teardown (after the failover test)',
        'left behind after stop()',
      ],
      rows,
    );
    const med = (tool, key) => median(samples(by[tool], key));
    const peer = (tool, key, ours) =>
      `${TOOLS[tool].label} ${Number.isFinite(med(tool, key)) ? `${formatMs(med(tool, key))} (${formatRatio(med(tool, key), ours)})` : 'n/a (no write within the deadline)'}`;
    const headline = [
      `Replica set of 3, boot to a majority write: mongo-topology ${formatMs(oursBoot)} (${formatRatio(oursBoot, bound.median)} the critical-path bound of ${formatMs(bound.median)}), ` +
        `${peer('mms', 'bootMs', oursBoot)}, ${peer('runner', 'bootMs', oursBoot)}.`,
      `Replica set of 3, SIGKILL of the primary to the next majority write: mongo-topology ${formatMs(oursFail)} (killed member restarted), ` +
        `${peer('mms', 'failoverMs', oursFail)}, ${peer('runner', 'failoverMs', oursFail)}.`,
    ];
    const chart = [
      {
        title: 'Replica set of 3: boot to a w:majority write',
        bars: [
          ...tools.map((t) => bar(TOOLS[t].label, by[t], 'bootMs')),
          bar('critical-path bound', by.ours, 'boundMs'),
        ],
      },
      {
        title: 'Replica set of 3: SIGKILL of the primary → next w:majority write',
        bars: tools.map((t) =>
          bar(
            TOOLS[t].label,
            by[t],
            'failoverMs',
            `n/a: no write within ${formatMs(median(samples(by[t], 'failoverDeadlineMs')))}`,
          ),
        ),
      },
    ];
    return {
      chart,
      headline,
      title: `Replica set of 3 members (${by.ours.length} interleaved run${by.ours.length === 1 ? '' : 's'} each)`,
      table,
      raw: by,
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. Sharded: 2 shards x 3, 3 config servers, 1 mongos.

function shardedSection() {
  if (!hasMongos())
    return {
      name: 'sharded',
      rounds: 0,
      render: () => ({ title: 'Sharded cluster', table: '_Skipped: no simulated mongos in fixtures/bin._' }),
    };
  const tools = ['ours', 'runner'];
  const by = Object.fromEntries(tools.map((t) => [t, []]));
  by.ours = oursRuns.sharded;
  const round = async (r) => {
    for (const tool of rotation(tools, r))
      by[tool].push(await trial({ tool, shape: 'sharded', bound: tool === 'ours' }));
  };
  return { name: 'sharded', rounds: SHARDED_RUNS, round, render };
  function render() {
    const bound = summarize(samples(by.ours, 'boundMs'));
    const oursBoot = median(samples(by.ours, 'bootMs'));
    const oursTeardown = median(samples(by.ours, 'teardownMs'));
    const rows = tools.map((tool) => {
      const boot = summarize(samples(by[tool], 'bootMs'));
      const teardown = summarize(samples(by[tool], 'teardownMs'));
      return [
        TOOLS[tool].label,
        formatSummary(boot),
        formatRatio(boot.median, bound.median),
        tool === 'ours' ? '1.00x' : formatRatio(boot.median, oursBoot),
        formatSummary(teardown),
        tool === 'ours' ? '1.00x' : formatRatio(teardown.median, oursTeardown),
        leftovers(by[tool]),
      ];
    });
    rows.push([
      'critical-path bound',
      formatSummary(bound),
      '1.00x',
      '',
      '',
      '',
      'listen + config set up + router + addShard, or a shard set’s path to ready, whichever is longer',
    ]);
    const table = markdownTable(
      [
        'tool',
        'boot to w:majority write via mongos',
        '× bound',
        '× mongo-topology',
        'teardown',
        '× mongo-topology',
        'left behind after stop()',
      ],
      rows,
    );
    const runnerBoot = median(samples(by.runner, 'bootMs'));
    const headline = [
      `Sharded (2 x 3, 3 config servers, 1 mongos), boot to a majority write: mongo-topology ${formatMs(oursBoot)} (${formatRatio(oursBoot, bound.median)} the bound of ${formatMs(bound.median)}), ` +
        `mongodb-runner ${formatMs(runnerBoot)} (${formatRatio(runnerBoot, oursBoot)}).`,
    ];
    const chart = [
      {
        title: 'Sharded (2 shards x 3, 3 config servers, 1 mongos): boot to a w:majority write',
        bars: [
          ...tools.map((t) => bar(TOOLS[t].label, by[t], 'bootMs')),
          bar('critical-path bound', by.ours, 'boundMs'),
        ],
      },
    ];
    return {
      chart,
      headline,
      title: `Sharded cluster: 2 shards x 3, 3 config servers, 1 mongos (${by.ours.length} interleaved run${by.ours.length === 1 ? '' : 's'} each)`,
      table,
      raw: by,
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// 3. Supervisor: ours vs supervisord.

function supervisorSection() {
  const kinds = hasSupervisord() ? ['ours', 'supervisord'] : ['ours'];
  const lat = Object.fromEntries(kinds.map((k) => [k, []]));
  const rss = Object.fromEntries(kinds.map((k) => [k, []]));
  const start = Object.fromEntries(kinds.map((k) => [k, []]));
  const errors = [];
  let done = 0;
  const round = async (r) => {
    done++;
    for (const kind of rotation(kinds, r)) {
      try {
        lat[kind].push(...(await respawnLatency(kind, KILLS)));
        const m = await memory(kind, PROGRAMS);
        rss[kind].push(m.rssKib);
        start[kind].push(m.startMs);
        log(`supervisor ${kind}: round ${r + 1} done`);
      } catch (e) {
        errors.push(`${kind}: ${String(e?.message ?? e)}`);
        log(`supervisor ${kind}: FAILED ${e?.message ?? e}`);
      }
    }
  };
  return { name: 'supervisor', rounds: SUP_RUNS, round, render };
  function render() {
    const l = Object.fromEntries(kinds.map((k) => [k, summarize(lat[k])]));
    const m = Object.fromEntries(kinds.map((k) => [k, summarize(rss[k])]));
    const st = Object.fromEntries(kinds.map((k) => [k, summarize(start[k])]));
    const label = { ours: 'mongo-topology supervisor (daemon)', supervisord: 'supervisord (/usr/bin, Python)' };
    const vsOurs = (k, x) => (k === 'ours' ? '1.00x' : formatRatio(x[k].median, x.ours.median));
    const rows = kinds.map((k) => [
      label[k],
      `${formatMs(l[k].median)} (p10 ${formatMs(l[k].p10)} – p90 ${formatMs(l[k].p90)}, n=${l[k].n})`,
      vsOurs(k, l),
      `${formatKib(m[k].median)} (${formatKib(m[k].min)}–${formatKib(m[k].max)})`,
      vsOurs(k, m),
      formatSummary(st[k]),
      vsOurs(k, st),
    ]);
    const table =
      markdownTable(
        [
          'supervisor',
          'SIGKILL → child running again',
          '× ours',
          `supervisor RSS with ${PROGRAMS} programs`,
          '× ours',
          `start → ${PROGRAMS} programs RUNNING`,
          '× ours',
        ],
        rows,
      ) +
      (kinds.length === 1 ? '\n\n_supervisord is not installed: no comparison._' : '') +
      (errors.length ? `\n\nFailures: ${errors.join('; ')}` : '');
    const headline = l.supervisord
      ? [
          `Supervisor, SIGKILL to respawned child: ours ${formatMs(l.ours.median)}, supervisord ${formatMs(l.supervisord.median)} (${formatRatio(l.supervisord.median, l.ours.median)}); ` +
            `RSS with ${PROGRAMS} programs: ours ${formatKib(m.ours.median)}, supervisord ${formatKib(m.supervisord.median)} (${formatRatio(m.supervisord.median, m.ours.median)}).`,
        ]
      : [];
    return {
      headline,
      title: `Supervisor (${done} interleaved rounds of ${KILLS} SIGKILLs and one ${PROGRAMS}-program start each)`,
      table,
      raw: { latencyMs: lat, rssKib: rss, startMs: start },
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// 4. Scaling: mongo-topology alone.

function scalingSection() {
  // The 3- and 10-process rows reuse mongo-topology's runs of the replica-set and sharded tables
  // (the same boot, measured the same way) when those sections run, instead of booting them again.
  const reuse = {
    rs: ONLY.includes('rs') && RUNS > 0,
    sharded: ONLY.includes('sharded') && hasMongos() && SHARDED_RUNS > 0,
  };
  const own = ['standalone', ...(reuse.rs ? [] : ['rs']), ...(hasMongos() ? ['scale9', 'scale27'] : [])];
  const runsOf = (s) => (s === 'scale27' ? Math.min(SCALE27_RUNS, SCALE_RUNS) : SCALE_RUNS);
  const by = Object.fromEntries(own.map((s) => [s, []]));
  const round = async (r) => {
    for (const shape of rotation(own, r))
      if (r < runsOf(shape)) by[shape].push(await trial({ tool: 'ours', shape, bound: true }));
  };
  return { name: 'scaling', rounds: SCALE_RUNS, round, render };
  function render() {
    const all = { ...by };
    if (reuse.rs) all.rs = oursRuns.rs;
    if (reuse.sharded) all.sharded = oursRuns.sharded;
    const shapes = Object.keys(all).sort((x, y) => SHAPES[x].processes - SHAPES[y].processes);
    const rows = shapes.map((s) => {
      const boot = summarize(samples(all[s], 'bootMs'));
      const bound = summarize(samples(all[s], 'boundMs'));
      const teardown = summarize(samples(all[s], 'teardownMs'));
      const reused = (s === 'rs' && reuse.rs) || (s === 'sharded' && reuse.sharded);
      return [
        `${SHAPES[s].label}${reused ? ` (the runs of the ${s === 'rs' ? 'replica-set' : 'sharded'} table)` : ''}`,
        formatSummary(boot),
        formatSummary(bound),
        formatRatio(boot.median, bound.median),
        formatMs(boot.median - bound.median),
        `${formatSummary(teardown)}${s === 'rs' && reuse.rs ? ', after the failover test' : ''}`,
        leftovers(all[s]),
        String(all[s].length),
      ];
    });
    const table =
      markdownTable(
        [
          'processes: shape',
          'boot to w:majority write',
          'critical-path bound',
          '× bound',
          'tool overhead (median − bound)',
          'teardown',
          'left behind after stop()',
          'runs',
        ],
        rows,
      ) +
      (hasMongos() ? '' : '\n\n_9 and 27 processes need the simulated mongos, which is not in fixtures/bin: skipped._');
    const headline = [
      `Scaling, mongo-topology boot by process count: ${shapes
        .map((sh) => `${SHAPES[sh].processes} → ${formatMs(median(samples(all[sh], 'bootMs')))}`)
        .join(', ')}.`,
    ];
    const chart = [
      {
        title: 'mongo-topology boot by number of server processes',
        bars: shapes.map((sh) =>
          bar(`${SHAPES[sh].processes} process${SHAPES[sh].processes === 1 ? '' : 'es'}`, all[sh], 'bootMs'),
        ),
      },
    ];
    return { chart, headline, title: 'Scaling: mongo-topology boot by process count (interleaved)', table, raw: by };
  }
}

// ---------------------------------------------------------------------------------------------------

const m = machine();
log(
  `machine: ${m.cpu} x${m.cores}, ${m.ramGiB.toFixed(1)} GiB, Node ${m.node}, ${m.os}; load ${m.loadavg.map((x) => x.toFixed(2)).join(' ')}`,
);
// Every section runs its round r before any runs round r + 1, so all of them share the machine's load
// over the whole run, and a spent time budget cuts the last rounds of every section, not a section.
const plan = [
  ['rs', replicaSetSection],
  ['sharded', shardedSection],
  ['supervisor', supervisorSection],
  ['scaling', scalingSection],
]
  .filter(([id]) => ONLY.includes(id))
  .map(([, make]) => make());
const maxRounds = Math.max(0, ...plan.map((p) => p.rounds));
for (let r = 0; r < maxRounds; r++) {
  for (const section of plan) {
    if (r >= section.rounds) continue;
    if (overBudget()) {
      skipped.push(`${section.name}: round ${r + 1} of ${section.rounds}`);
      continue;
    }
    log(`${section.name}: round ${r + 1} of ${section.rounds}`);
    await section.round(r);
  }
}
const sections = plan.map((p) => p.render());
const totalMs = Date.now() - started;
const loadAfter = machine().loadavg;

const chartGroups = sections.flatMap((s) => s.chart ?? []);
const chartFile = basename(OUT).replace(/\.md$/, '') + '.svg';
const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
const envSet = Object.keys(process.env)
  .filter((k) => k.startsWith('BENCH_'))
  .map((k) => `${k}=${process.env[k]}`);
const page = `# Performance

Measured by \`bench/run.mjs\`; regenerate with \`${[...envSet, command].join(' ')}\` (this page is overwritten).

- **Date:** ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')}; the run took ${(totalMs / 60_000).toFixed(1)} min (plus the build)
- **Machine:** ${m.cpu}, ${m.cores} logical CPUs, ${m.ramGiB.toFixed(1)} GiB RAM, ${m.os}, ${m.arch}; Node ${m.node}; ${m.supervisord === 'not installed' ? 'supervisord not installed' : `supervisord ${m.supervisord}`}
- **Load average** (1/5/15 min) at start ${m.loadavg.map((x) => x.toFixed(2)).join(' / ')}, at end ${loadAfter.map((x) => x.toFixed(2)).join(' / ')}
- **Servers:** the simulated \`mongod\`/\`mongos\` of \`fixtures/bin\` (MongoDB 8.0.4 behaviour) with \`MONGOSIM_START_DELAY_MS=${DELAY}\`, so every server takes ${DELAY} ms plus a Node start before it listens, like a real one
- **Figures:** median (min–max) over the runs; "× bound" and "× mongo-topology" are ratios of medians in the same run
${skipped.length ? `- **Cut short** (time budget of ${BUDGET_MS / 60_000} min spent; not run): ${skipped.join('; ')}\n` : ''}
${chartGroups.length ? `![Boot and failover times, median with min–max](${chartFile})\n\n` : ''}## In short

"× mongo-topology" after a peer's figure: how many times mongo-topology's time it took.

${sections
  .flatMap((s) => s.headline ?? [])
  .map((h) => `- ${h}`)
  .join('\n')}

${sections.map((s) => `## ${s.title}\n\n${s.table}\n`).join('\n')}
## What the figures mean

- **Ratios are what count.** The machine is shared (other engineers run test suites on the same cores while
  this runs), so absolute times move from run to run; every tool ran interleaved with the others (the order
  rotates each round), so they saw the same load.
- **Boot** is measured from the call that starts the topology until an \`insertOne\` with \`w: "majority"\` through
  the URI the tool hands out has succeeded (a fresh driver client), in a fresh Node process per run with the
  tool's module already imported. Each tool keeps its defaults; only the shape is set: \`cluster().replicaSet(3)\`,
  \`MongoMemoryReplSet.create({ replSet: { count: 3 } })\` (the simulator as system binary), mongodb-runner's
  \`MongoCluster.start({ topology: 'replset', secondaries: 2 })\` / \`({ topology: 'sharded', shards: 2, secondaries: 2 })\`
  with \`binDir\`, and \`cluster().shards(2).replicaSet(3).configServers(3).mongos(1)\`.
- **Critical-path bound:** the waits no tool can avoid, from the servers' own logs of each mongo-topology run: each
  set's slowest member from its spawn to "Waiting for connections" (log id 23016), then until a majority installed
  the config (21392), the step-up election until writable (21331) and until every member is SECONDARY (21358); for
  the sharded cluster also the router's spawn to 23016 and the \`addShard\` round trips, along the longest path.
  Because it is taken from the same run, machine load is in the bound too, and boot − bound is the tool's own work
  (binary version check, plan, files, supervisor, health checks, the final write). A tool that starts every process
  at once, initiates as soon as they listen and has the planned primary step up instead of waiting out an election
  timeout approaches it; MongoMemoryReplSet (\`electionTimeoutMillis: 5000\`) and mongodb-runner (mongod's default
  10 s, status polled each second) wait for the first election instead. Each run is a fresh Node process, so every
  tool pays its cold start (e.g. asking the binary for \`--version\`) as a test run would.
- **SIGKILL primary → write:** the primary (from \`hello\`) is SIGKILLed and an insert with \`w: "majority"\` is retried
  through the same client until it succeeds, or the deadline passes (then it counts as failed: "n/a"). mongo-topology's
  supervisor restarts the killed member at once, but the surviving members still wait out the set's
  \`electionTimeoutMillis\` (mongod's default 10 s, which mongo-topology keeps; a spec can set it in the replica set's
  \`settings\`) before electing; MongoMemoryReplSet
  configures 5 s, so it elects sooner but does not restart the member (the set runs one member short from then on);
  mongodb-runner gives its secondaries priority 0, so nothing can be elected and nothing restarts the primary.
- **Teardown** is the tool's own stop (\`stop()\` / \`close()\`) until it resolves; in the replica-set table it follows the
  failover test (peers then stop two live members, mongo-topology three). mongodb-runner SIGKILLs its servers;
  mongo-topology has its supervisor stop them cleanly (SIGINT, the server's own shutdown, SIGKILL after a deadline);
  MongoMemoryReplSet sends each member \`shutdown: { force: true, timeoutSecs: 1 }\`, then SIGINT.
- **Left behind** is checked after \`stop()\` resolves: any process of the run still alive 2 s later (found by the run's
  private directory in argv/cwd and by descent from the run's process), any file in the run's private directory
  (TMPDIR points there too), and mongod unix sockets in /tmp for the topology's ports made during the run. mongo-topology's per-user
  port-lock directory (\`$TMPDIR/mongo-topology-<uid>/ports\`) is shared by design and not counted when it holds no lock.
  The benchmark kills and removes whatever is left after each run anyway (those sockets included).
- **Supervisor:** one program (\`sh\` writing its pid into a FIFO, then \`exec sleep\`) SIGKILLed ${KILLS} times per round;
  latency is SIGKILL until the new child's first write. supervisord's latency is bimodal (about 0.1 s or 1–2 s),
  as if the restart waited for its main loop's 1-second poll. RSS is the supervisor process's own resident memory
  with ${PROGRAMS} \`sleep\` programs RUNNING (\`startsecs=1\`), same INI for both; "start → RUNNING" is from
  spawning the supervisor until \`getAllProcessInfo\` shows every program RUNNING (so at least 1 s). Our supervisor is
  a Node process, hence the larger RSS.
- **Scaling:** the 9- and 27-process shapes are sharded so that the count comes out exact: 9 = 2 shards x 3 + 1 config
  server + 2 mongos; 27 = 7 shards x 3 + 3 config servers + 3 mongos (10 = the sharded row above). The
  27-process shape runs fewer rounds (\`--scale27-runs\`) to keep the whole bench under 15 minutes on 2 cores.

<details><summary>Raw samples (ms)</summary>

\`\`\`json
${JSON.stringify(rawSamples(sections), null, 1)}
\`\`\`

</details>
`;

function rawSamples(list) {
  const out = {};
  const round = (x) => (typeof x === 'number' ? Math.round(x) : x);
  for (const s of list) {
    if (!s.raw) continue;
    if (s.raw.latencyMs) {
      out[s.title] = {
        respawnMs: Object.fromEntries(
          Object.entries(s.raw.latencyMs).map(([k, v]) => [k, v.map((x) => +x.toFixed(1))]),
        ),
        rssKib: s.raw.rssKib,
        startMs: Object.fromEntries(Object.entries(s.raw.startMs).map(([k, v]) => [k, v.map(Math.round)])),
      };
      continue;
    }
    out[s.title] = Object.fromEntries(
      Object.entries(s.raw).map(([k, runs]) => [
        k,
        runs.map((r) =>
          r.error
            ? { error: r.error.split('\n').slice(0, 6).join(' | ') }
            : Object.fromEntries(
                ['bootMs', 'boundMs', 'failoverMs', 'teardownMs'].filter((f) => f in r).map((f) => [f, round(r[f])]),
              ),
        ),
      ]),
    );
  }
  return out;
}

console.log(page);
if (WRITE) {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, page);
  if (chartGroups.length)
    writeFileSync(
      resolve(dirname(OUT), chartFile),
      barChartSvg(chartGroups, {
        title: `median (bar) and min–max (line), MONGOSIM_START_DELAY_MS=${DELAY}`,
        format: formatMs,
      }),
    );
  log(`wrote ${relative(root, OUT) || OUT} in ${formatMs(totalMs)}`);
}
