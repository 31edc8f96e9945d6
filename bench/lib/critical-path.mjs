// The critical-path bound of a boot: the sum of the waits no tool can avoid, taken from the servers'
// own logs (of a cluster mongo-topology started, read while it still runs):
//   listen    a set's slowest member from spawn until "Waiting for connections" (23016): every member
//             must listen before its set is initiated (or, given, the slowest of N bare processes
//             started at once on the same machine, see bareListen);
//   config    replSetInitiate until a majority of voters installed the config (21392);
//   election  "Starting an election due to step up request" until writable (21331), on the primary;
//   sync      writable until the last member is SECONDARY/ARBITER (21358), for the set to be ready;
//   router    a router's spawn until it listens (sharded; it starts once the config set has a primary);
//   addShard  the slowest addShard round trip, from the later of (shard primary, routers up).
// Standalone bound = listen. Replica-set bound = listen + config + election + sync. Sharded bound =
// the longest per-shard path max(listen + config/election of the config set + router, listen +
// config/election of the shard) + addShard, and of every set's path to ready.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * Starts `n` bare mongods at once (every one with `env`); resolves with the slowest spawn-to-23016
 * time. Each must listen within `timeoutMs`; every child is killed and reaped, the temp dir removed.
 */
export async function bareListen(bin, n, env, timeoutMs = 60_000) {
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-bare-'));
  const children = [];
  let timer;
  try {
    const all = Promise.all(
      Array.from({ length: n }, (_, i) => {
        const db = join(dir, `db${i}`);
        mkdirSync(db);
        return new Promise((resolveP, reject) => {
          const t0 = performance.now();
          const child = spawn(
            join(bin, 'mongod'),
            ['--port', '0', '--bind_ip', '127.0.0.1', '--dbpath', db, '--replSet', 'bare', '--nounixsocket'],
            { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] },
          );
          children.push(child);
          let buf = '';
          child.stdout.on('data', (c) => {
            buf += c.toString();
            if (buf.includes('"id":23016,')) resolveP(performance.now() - t0);
          });
          child.on('error', reject);
          child.on('exit', (code, signal) =>
            reject(new Error(`bare mongod exited (${code ?? signal}) before listening`)),
          );
        });
      }),
    );
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${n} bare mongods did not all listen within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Math.round(Math.max(...(await Promise.race([all, deadline]))));
  } finally {
    clearTimeout(timer);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Log lines of a node: [{ t, id, attr, msg }]. */
export function logOf(file) {
  const out = [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line);
      out.push({ t: Date.parse(e.t.$date), id: e.id, attr: e.attr ?? {}, msg: e.msg });
    } catch {
      // not a log line
    }
  }
  return out;
}

/** Server-side phases of one set, from its members' logs. */
export function setPhases(layout, set) {
  const members = set.members.map((m) => layout.nodes.find((n) => n.name === m));
  const logs = Object.fromEntries(members.map((n) => [n.name, logOf(n.logFile)]));
  const installed = (name) => logs[name].find((e) => e.id === 21392)?.t;
  const initiatedAt = installed(set.initialPrimary);
  const voters = members.filter((n) => (set.config.members[n.memberIndex].votes ?? 1) === 1);
  const majority = Math.floor(voters.length / 2) + 1;
  const configured = voters.map((n) => installed(n.name)).sort((a, b) => a - b);
  const configMs = configured[majority - 1] - initiatedAt;
  const primary = logs[set.initialPrimary];
  const writable = primary.find((e) => e.id === 21331)?.t;
  const elections = primary.filter((e) => /step up request/i.test(e.msg) && e.t <= writable);
  const electionStart = members.length === 1 ? configured[0] : (elections.at(-1)?.t ?? writable);
  const electionMs = writable - electionStart;
  const healthy = members.map((n) => {
    const states = logs[n.name].filter(
      (e) => e.id === 21358 && ['PRIMARY', 'SECONDARY', 'ARBITER'].includes(e.attr.newState),
    );
    return states[0]?.t ?? writable;
  });
  const syncMs = Math.max(0, Math.max(...healthy) - writable);
  return { configMs, electionMs, syncMs };
}

/**
 * The bound of one boot of mongo-topology, from its layout and its events (`{ type, time, ... }`).
 * Call while the cluster runs (the logs exist). `listenMs`, when given, is the listen time of every
 * member (e.g. from {@link bareListen}); otherwise each set's is taken from this very run: the slowest
 * member's spawn (the `nodeStarting` event) to its own 23016 line, so machine load at that moment is
 * in the bound too and the difference is the tool's own work.
 * Returns `{ boundMs, listenMs, routerMs, addShardMs, phases }` (listenMs: the slowest set's listen).
 */
export function criticalPath(layout, events, listenMs) {
  const at = (pred) => events.find(pred)?.time;
  const listened = (n) => logOf(n.logFile).find((e) => e.id === 23016)?.t;
  const spawned = (n) => at((e) => e.type === 'nodeStarting' && e.node === n.name);
  const listenOfNodes = (names) =>
    listenMs ??
    Math.max(...names.map((name) => layout.nodes.find((n) => n.name === name)).map((n) => listened(n) - spawned(n)));
  const phases = Object.fromEntries(
    layout.replicaSets.map((s) => [s.name, { listenMs: listenOfNodes(s.members), ...setPhases(layout, s) }]),
  );
  const setPath = (s) => phases[s].listenMs + phases[s].configMs + phases[s].electionMs;
  let routerMs = 0;
  let addShardMs = 0;
  let boundMs;
  if (layout.kind === 'sharded') {
    const routers = layout.nodes.filter((n) => n.role === 'mongos');
    routerMs = Math.max(...routers.map((n) => listened(n) - spawned(n)));
    const routersUp = Math.max(...routers.map((n) => at((e) => e.type === 'nodeReady' && e.node === n.name)));
    const configSet = layout.replicaSets.find((s) => s.role === 'configsvr').name;
    const shards = layout.replicaSets.filter((s) => s.role === 'shardsvr');
    const perShard = shards.map((s) => {
      const primaryAt = at((e) => e.type === 'primaryElected' && e.replicaSet === s.name);
      const added = at((e) => e.type === 'shardAdded' && e.shard === s.name) - Math.max(primaryAt, routersUp);
      addShardMs = Math.max(addShardMs, added);
      return Math.max(setPath(configSet) + routerMs, setPath(s.name)) + added;
    });
    boundMs = Math.max(...perShard, ...layout.replicaSets.map((s) => setPath(s.name) + phases[s.name].syncMs));
  } else if (layout.replicaSets.length > 0) {
    const s = layout.replicaSets[0].name;
    boundMs = setPath(s) + phases[s].syncMs;
  } else {
    boundMs = listenOfNodes(layout.nodes.map((n) => n.name));
  }
  const slowestListen = Math.max(
    ...Object.values(phases).map((p) => p.listenMs),
    layout.replicaSets.length ? 0 : boundMs,
  );
  return { boundMs, listenMs: slowestListen, routerMs, addShardMs, phases };
}
