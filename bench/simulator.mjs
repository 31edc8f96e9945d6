// Benchmark (not a test): start-to-listening time and resident memory of the simulated mongod.
// Start-to-listening = from spawn() to the log line id 23016 "Waiting for connections" on stdout,
// compared with a bare `node -e 0`, with and without NODE_EXTRA_CA_CERTS (which alone costs tens of
// milliseconds of Node start-up). Wall-clock times depend on machine load, so the CPU time used until
// listening (from /proc, 10 ms ticks) is printed too. RSS is read from /proc/<pid>/status once the process listens, for a
// standalone and for each member of an initiated three-member replica set. Medians of N runs.
// Usage: npm run build:fixtures && node bench/simulator.mjs [runs=15]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { performance } from 'node:perf_hooks';

const MONGOD = resolve(import.meta.dirname, '../fixtures/bin/mongod');
const RUNS = Number(process.argv[2] ?? 15);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** CPU time (user + system, ms) a process has used so far; /proc ticks are 10 ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function env(withCaCerts) {
  const e = { ...process.env };
  if (!withCaCerts) delete e.NODE_EXTRA_CA_CERTS;
  return e;
}

function timeNode(withCaCerts) {
  return new Promise((res) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['-e', 'const u = process.cpuUsage(); console.log((u.user + u.system) / 1000)'], {
      env: env(withCaCerts),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.on('exit', () => res({ ms: performance.now() - t0, cpu: Number(out) }));
  });
}

function startMongod(dir, args, withCaCerts) {
  return new Promise((res, rej) => {
    mkdirSync(join(dir, 'db'), { recursive: true });
    const t0 = performance.now();
    const p = spawn(
      MONGOD,
      ['--port', '0', '--dbpath', join(dir, 'db'), '--bind_ip', '127.0.0.1', '--nounixsocket', ...args],
      {
        env: env(withCaCerts),
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error('mongod did not start within 20 s'));
    }, 20_000);
    p.stdout.on('data', (c) => {
      out += c;
      const m = /"id":23016,.*"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ proc: p, ms: performance.now() - t0, cpu: cpuMs(p.pid), port: Number(m[1]) });
      }
    });
    p.on('error', rej);
  });
}

async function stop(proc) {
  proc.kill('SIGKILL');
  await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.on('exit', r)));
}

const root = mkdtempSync(join(tmpdir(), 'mt-sim-bench-'));
try {
  const rows = [];
  for (const withCa of [false, true]) {
    if (withCa && !process.env.NODE_EXTRA_CA_CERTS) continue;
    const nodeMs = [];
    const nodeCpu = [];
    const simMs = [];
    const simCpu = [];
    const rss = [];
    for (let i = 0; i < RUNS; i++) {
      const n = await timeNode(withCa);
      nodeMs.push(n.ms);
      nodeCpu.push(n.cpu);
      const dir = join(root, `s${withCa ? 'ca' : ''}${i}`);
      const { proc, ms, cpu } = await startMongod(dir, [], withCa);
      simMs.push(ms);
      simCpu.push(cpu);
      await new Promise((r) => setTimeout(r, 200));
      rss.push(rssMb(proc.pid));
      await stop(proc);
      rmSync(dir, { recursive: true, force: true });
    }
    rows.push({
      NODE_EXTRA_CA_CERTS: withCa ? 'set' : 'unset',
      'node -e 0 (ms)': median(nodeMs).toFixed(0),
      'mongod spawn→23016 (ms)': median(simMs).toFixed(0),
      'on top of node (ms)': (median(simMs) - median(nodeMs)).toFixed(0),
      'node CPU (ms)': median(nodeCpu).toFixed(0),
      'mongod CPU to 23016 (ms)': median(simCpu).toFixed(0),
      'standalone RSS (MB)': median(rss).toFixed(1),
    });
  }
  console.log(`simulated mongod, median of ${RUNS} runs`);
  console.table(rows);

  // Replica-set members: RSS after initiate and a small write load.
  const members = [];
  for (let i = 0; i < 3; i++) members.push(await startMongod(join(root, `rs${i}`), ['--replSet', 'bench'], false));
  const first = new MongoClient(`mongodb://127.0.0.1:${members[0].port}/?directConnection=true`);
  await first.db('admin').command({
    replSetInitiate: {
      _id: 'bench',
      members: members.map((m, i) => ({ _id: i, host: `127.0.0.1:${m.port}` })),
      settings: { electionTimeoutMillis: 500 },
    },
  });
  await first.close();
  const set = new MongoClient(
    `mongodb://${members.map((m) => `127.0.0.1:${m.port}`).join(',')}/?replicaSet=bench&serverSelectionTimeoutMS=20000`,
  );
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++)
    await set
      .db('b')
      .collection('c')
      .insertOne({ i, pad: 'x'.repeat(100) }, { writeConcern: { w: 'majority' } });
  const perWrite = (performance.now() - t0) / 1000;
  await set.close();
  console.log('three-member replica set after 1000 w:majority inserts');
  console.table(members.map((m, i) => ({ member: i, 'RSS (MB)': rssMb(m.proc.pid).toFixed(1) })));
  console.log(`w:majority insert latency (sequential, mean): ${perWrite.toFixed(2)} ms`);
  for (const m of members) await stop(m.proc);
} finally {
  rmSync(root, { recursive: true, force: true });
}
