#!/usr/bin/env node
// One benchmark trial in its own process (started by bench/run.mjs, never by hand): start one tool's
// topology in a private directory, time it until a w:majority insert through the tool's URI succeeds,
// optionally SIGKILL the primary and time until a write succeeds again, then stop it, timing the
// teardown and listing what it left behind. The trial is described by the BENCH_TRIAL environment
// variable (JSON), never by argv, so that this process is not found by the directory marker it uses
// to find the tool's processes. Results go to the parent over IPC; so do the pids this trial owns, so
// the parent can kill them if this process dies or overruns.

import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { criticalPath } from './lib/critical-path.mjs';
import { byMarker, descendants, leftoverSockets, stillAlive } from './lib/procs.mjs';
import { TOOLS } from './lib/tools.mjs';

const trial = JSON.parse(process.env.BENCH_TRIAL ?? 'null');
if (!trial || !process.send) {
  console.error('bench/trial.mjs is run by bench/run.mjs (it needs BENCH_TRIAL and an IPC channel).');
  process.exit(2);
}
const { tool, shape, dir, delayMs, failover, failoverDeadlineMs, bound } = trial;
const env = { MONGOSIM_START_DELAY_MS: String(delayMs) };
// The peers pass their own environment to the servers they spawn.
Object.assign(process.env, env);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const owned = () => [...descendants(process.pid), ...byMarker(dir, [process.pid])];
const report = (msg) => new Promise((resolve) => process.send(msg, () => resolve()));

/** Inserts with w:majority until it succeeds or `deadline` (epoch ms) passes; resolves true on success. */
async function writeUntil(client, deadline) {
  let lastError;
  for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
    try {
      await client
        .db('bench')
        .collection('writes')
        .insertOne(
          { at: new Date() },
          { writeConcern: { w: 'majority', wtimeoutMS: Math.max(1, deadline - Date.now()) } },
        );
      return { ok: true };
    } catch (e) {
      lastError = e;
      await sleep(50);
    }
  }
  return { ok: false, error: String(lastError?.message ?? 'deadline passed').split('\n')[0] };
}

/** Whether something answers hello at `hostport` within `timeoutMs`. */
async function answers(hostport, timeoutMs) {
  const c = new MongoClient(`mongodb://${hostport}/?directConnection=true`, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
  });
  try {
    await c.db('admin').command({ hello: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await c.close();
  }
}

const result = { tool, shape, failover: Boolean(failover) };
const trialStart = Date.now();
let handle;
let client;
try {
  const t0 = performance.now();
  handle = await TOOLS[tool].start(shape, dir, env);
  result.startMs = performance.now() - t0;
  await report({ type: 'owned', procs: owned() });
  client = new MongoClient(handle.uri, { serverSelectionTimeoutMS: 2_000 });
  const first = await writeUntil(client, Date.now() + 60_000);
  if (!first.ok) throw new Error(`first w:majority write through ${handle.uri} failed: ${first.error}`);
  result.bootMs = performance.now() - t0;
  result.processes = handle.ports().length;

  if (bound && handle.cluster) {
    // Read the servers' logs while they exist.
    const path = criticalPath(handle.cluster.layout, handle.events);
    result.boundMs = path.boundMs;
    result.path = path;
  }

  if (failover) {
    const hello = await client.db('admin').command({ hello: 1 });
    const config = await client.db('admin').command({ replSetGetConfig: 1 });
    result.electionTimeoutMs = config.config.settings?.electionTimeoutMillis;
    const killed = hello.primary;
    const pid = await handle.pidOf(killed);
    if (!pid) throw new Error(`no pid known for the primary ${killed}`);
    // Unless told otherwise, give up at twice the set's election timeout (at least 15 s): by then a
    // set that can elect has done so several times over.
    const deadlineMs = failoverDeadlineMs ?? Math.max(15_000, 2 * (result.electionTimeoutMs ?? 10_000));
    result.failoverDeadlineMs = deadlineMs;
    result.killedPort = Number(killed.slice(killed.lastIndexOf(':') + 1));
    const deadline = Date.now() + deadlineMs;
    const tk = performance.now();
    process.kill(pid, 'SIGKILL');
    const w = await writeUntil(client, deadline);
    result.failoverMs = w.ok ? performance.now() - tk : null;
    result.failoverError = w.ok ? undefined : w.error;
    if (w.ok) {
      const after = await client.db('admin').command({ hello: 1 });
      result.newPrimaryIsKilledMember = after.primary === killed;
    }
    // Did the killed member come back (a supervisor restarted it)? Bounded look.
    result.killedMemberBack = await answers(killed, 3_000);
    result.killedSocket = leftoverSockets([result.killedPort], trialStart)[0];
  }

  await client.close();
  client = undefined;
  const before = owned();
  const ports = handle.ports();
  const ts = performance.now();
  await handle.stop();
  result.teardownMs = performance.now() - ts;
  handle = undefined;
  const atStop = stillAlive(before, byMarker(dir, [process.pid]));
  let after = atStop;
  for (let i = 0; i < 40 && after.length > 0; i++) {
    await sleep(50);
    after = stillAlive(after);
  }
  result.leftover = {
    processesAtStop: atStop.map((p) => p.argv.slice(0, 120)),
    processesAfter2s: after.map((p) => p.argv.slice(0, 120)),
    files: readdirSync(dir, { recursive: true }).slice(0, 20),
    sockets: leftoverSockets(ports, trialStart),
  };
} catch (e) {
  result.error = String(e?.stack ?? e);
} finally {
  await client?.close().catch(() => {});
  if (handle) {
    await report({ type: 'owned', procs: owned() });
    await handle.stop().catch(() => {});
  }
}
await report({ type: 'result', result });
// Stray handles of a peer (timers, sockets) must not keep this process alive.
process.exit(0);
