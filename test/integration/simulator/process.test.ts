// Process interface of the simulated mongod: flags and YAML config, --version, logv2 lines, exit
// codes (0, 2, 14, 48, 100), signals and the shutdown command, lock file, pid file, log files,
// fault injection, and data surviving restarts (clean and SIGKILL).
import { createServer, type Server } from 'node:net';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import {
  makeTempDir,
  parseLogLines,
  removeDir,
  runMongod,
  SimNode,
  startNode,
  type LogLine,
} from '../../helpers/simulator.js';

let dir: string;
const nodes: SimNode[] = [];

beforeEach(() => {
  dir = makeTempDir();
});

afterEach(async () => {
  for (const n of nodes.splice(0)) {
    n.kill('SIGKILL');
    await n.exited;
  }
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

async function node(args: string[] = [], env: Record<string, string> = {}, sub = 'a'): Promise<SimNode> {
  const n = await startNode({ dir: join(dir, sub), args, env });
  nodes.push(n);
  return n;
}

const LINE_FORMAT =
  /^\{"t":\{"\$date":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"\},"s":"(I|W|E|F|D\d)",\s*"c":"[A-Z]+",\s*"id":\d+,\s*"ctx":"[^"]*","msg":/;

describe('command line', () => {
  it('prints --version like mongod 8.0.4 and MMS can parse it', async () => {
    const r = await runMongod(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('db version v8.0.4');
    expect(r.stdout).toMatch(/^\s*db\s+version\s+v?(\d+\.\d+\.\d+)(-\d*)?(-[a-zA-Z0-9].*)?\s*$/im);
    const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(json).toMatchObject({
      version: '8.0.4',
      allocator: 'tcmalloc-google',
      modules: [],
      environment: { distarch: 'x86_64' },
    });
    expect(r.stdout).toContain('Build Info: {\n    "version": "8.0.4",');
  });

  it('emulates another version through MONGOSIM_VERSION', async () => {
    const r = await runMongod(['--version'], { env: { MONGOSIM_VERSION: '7.0.14' } });
    expect(r.stdout.split('\n')[0]).toBe('db version v7.0.14');
    expect(r.stdout).toContain('"allocator": "tcmalloc"');
  });

  it("rejects an unknown option with exit 2 and mongod's message", async () => {
    const r = await runMongod(['--dbpath', dir, '--foo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Error parsing command line: unrecognised option '--foo'");
    expect(r.stderr).toMatch(/try '.*mongod --help' for more information/);
  });

  it('rejects a missing or invalid option value with exit 2', async () => {
    expect((await runMongod(['--port'])).stderr).toContain("the required argument for option '--port' is missing");
    const r = await runMongod(['--port', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the argument ('abc') for option '--port' is invalid");
  });

  it('rejects unknown setParameter names and accepts known ones', async () => {
    const bad = await runMongod(['--dbpath', dir, '--setParameter', 'noSuchParameter=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('BadValue: Illegal --setParameter parameter: "noSuchParameter"');
    const n = await node([
      '--setParameter',
      'enableTestCommands=1',
      '--setParameter',
      'periodicNoopIntervalSecs=2',
      '--setParameter',
      'featureFlagSomething=true',
    ]);
    const r = await n.command({ getParameter: 1, enableTestCommands: 1, periodicNoopIntervalSecs: 1 });
    expect(r).toMatchObject({ enableTestCommands: true, periodicNoopIntervalSecs: 2 });
  });

  it('refuses --fork clearly, and demands a log destination first like mongod', async () => {
    const noLog = await runMongod(['--dbpath', dir, '--fork']);
    expect(noLog.code).toBe(2);
    expect(noLog.stderr).toContain('BadValue: --fork has to be used with --logpath or --syslog');
    const withLog = await runMongod(['--dbpath', dir, '--fork', '--logpath', join(dir, 'm.log')]);
    expect(withLog.code).toBe(2);
    expect(withLog.stderr).toContain('not supported by the simulated mongod');
  });

  it('reads a YAML --config file, command line wins, getCmdLineOpts shows both', async () => {
    const db = join(dir, 'cfgdb');
    mkdirSync(db);
    const cfg = join(dir, 'mongod.conf');
    writeFileSync(
      cfg,
      [
        'net:',
        '  port: 1',
        '  bindIp: 127.0.0.1',
        '  unixDomainSocket:',
        '    enabled: false',
        'storage:',
        `  dbPath: ${db}`,
        '  wiredTiger:',
        '    engineConfig:',
        '      cacheSizeGB: 0.25',
        'setParameter:',
        '  shutdownTimeoutMillisForSignaledShutdown: 500',
        '',
      ].join('\n'),
    );
    const n = new SimNode({ dir: join(dir, 'x'), dbPath: db, args: ['--config', cfg] });
    nodes.push(n);
    // The helper's own --port 0 on the command line overrides net.port: 1 from the file.
    await n.ready();
    const opts = await n.command({ getCmdLineOpts: 1 });
    expect(opts.argv).toContain('--config');
    expect(opts.parsed).toMatchObject({
      config: cfg,
      net: { port: 0, bindIp: '127.0.0.1', unixDomainSocket: { enabled: false } },
      storage: { dbPath: db, wiredTiger: { engineConfig: { cacheSizeGB: 0.25 } } },
      setParameter: { shutdownTimeoutMillisForSignaledShutdown: '500' },
    });
    const p = await n.command({ getParameter: 1, shutdownTimeoutMillisForSignaledShutdown: 1 });
    expect(p.shutdownTimeoutMillisForSignaledShutdown).toBe(500);
    const logged = n.lines.find((l) => l.id === 21951)!;
    expect(logged.attr!.options.storage.dbPath).toBe(db);
  });

  it('rejects unknown YAML keys and unknown setParameter names in YAML with exit 2', async () => {
    const cfg = join(dir, 'bad.conf');
    writeFileSync(cfg, 'net:\n  port: 27017\n  portt: 1\n');
    const r = await runMongod(['--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unrecognized option: net.portt');
    writeFileSync(cfg, 'setParameter:\n  bogusParam: 1\n');
    const r2 = await runMongod(['-f', cfg]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('Illegal --setParameter parameter: "bogusParam"');
    const r3 = await runMongod(['--config', join(dir, 'missing.conf')]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('Error reading config file: No such file or directory');
  });
});

describe('logs', () => {
  it('writes the startup sequence as logv2 JSON with mongod padding and real ids', async () => {
    const n = await node();
    await n.waitForLog((l) => l.id === 8423403, 10_000, 'mongod startup complete');
    const lines = n.stdout.split('\n').filter(Boolean);
    for (const l of lines) expect(l).toMatch(LINE_FORMAT);
    // Exact padding: severity+spaces = 3, component+spaces = 9, id digits+spaces = 8.
    expect(lines.find((l) => l.includes('"id":4615611'))).toContain(
      '"s":"I",  "c":"CONTROL",  "id":4615611, "ctx":"initandlisten","msg":"MongoDB starting"',
    );
    expect(lines.find((l) => l.includes('"id":23016'))).toContain(
      '"s":"I",  "c":"NETWORK",  "id":23016,   "ctx":"listener","msg":"Waiting for connections"',
    );
    const ids = n.lines.map((l) => l.id);
    const order = [4915701, 4615611, 23403, 51765, 21951, 22315, 4795906, 22120, 20625, 23015, 23016, 8423403];
    const positions = order.map((id) => ids.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const start = n.lines.find((l) => l.id === 4615611)!;
    expect(start.attr).toMatchObject({ pid: n.pid, port: 0, dbPath: n.dbPath, architecture: '64-bit' });
    const build = n.lines.find((l) => l.id === 23403)!;
    expect(build.c).toBe('CONTROL');
    expect(build.attr!.buildInfo.version).toBe('8.0.4');
    const warn = n.lines.find((l) => l.id === 22120)!;
    expect(warn.s).toBe('W');
    expect(warn.tags).toEqual(['startupWarnings']);
    const log = await n.command({ getLog: 'startupWarnings' });
    expect(log.log.length).toBeGreaterThan(0);
    expect(JSON.parse(log.log[0]).id).toBe(22120);
    expect((await n.command({ getLog: '*' })).names).toEqual(['global', 'startupWarnings']);
  });

  it('logs connections and client metadata', async () => {
    const n = await node();
    const c = n.client();
    await c.db('admin').command({ ping: 1 });
    await c.close();
    await n.waitForLog((l) => l.id === 22944, 10_000, 'Connection ended');
    const accepted = n.lines.find((l) => l.id === 22943)!;
    expect(accepted.attr).toMatchObject({ connectionId: expect.any(Number), connectionCount: expect.any(Number) });
    expect(accepted.attr!.uuid.uuid.$uuid).toMatch(/^[0-9a-f-]{36}$/);
    const meta = n.lines.find((l) => l.id === 51800)!;
    expect(meta.ctx).toMatch(/^conn\d+$/);
    expect(meta.attr!.doc.driver.name).toContain('nodejs');
  });

  it('writes to --logpath instead of stdout, renames an old log unless --logappend', async () => {
    const logPath = join(dir, 'mongod.log');
    // With --logpath nothing goes to stdout, so readiness comes from the file.
    const n1 = new SimNode({ dir: join(dir, 'b'), args: ['--logpath', logPath] });
    nodes.push(n1);
    await waitForFile(logPath, '"id":23016');
    expect(n1.stdout).toBe('');
    await n1.stop('SIGTERM');
    const first = readFileSync(logPath, 'utf8');
    expect(first).toContain('"id":23138');
    const n2 = new SimNode({ dir: join(dir, 'b'), args: ['--logpath', logPath] });
    nodes.push(n2);
    await waitForFile(logPath, `"pid":${n2.pid}`);
    await waitForFile(logPath, '"id":23016');
    const rotated = readdirSync(dir).filter((f) => /^mongod\.log\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/.test(f));
    expect(rotated.length).toBeGreaterThanOrEqual(1);
    await n2.stop('SIGTERM');
    const n3 = new SimNode({ dir: join(dir, 'b'), args: ['--logpath', logPath, '--logappend'] });
    nodes.push(n3);
    await waitForFile(logPath, `"pid":${n3.pid}`);
    await waitForFile(logPath, '"id":23016', 2);
    await n3.stop('SIGTERM');
    const appended = parseLogLines(readFileSync(logPath, 'utf8'));
    expect(appended.filter((l) => l.id === 4615611)).toHaveLength(2);
    // SIGUSR1 rotates: the current file is renamed and a fresh one opened.
    const n4 = new SimNode({ dir: join(dir, 'b'), args: ['--logpath', logPath, '--logappend'] });
    nodes.push(n4);
    await waitForFile(logPath, `"pid":${n4.pid}`);
    await waitForFile(logPath, '"id":23016', 3);
    const before = readdirSync(dir).filter((f) => f.startsWith('mongod.log.')).length;
    await new Promise((r) => setTimeout(r, 1100));
    n4.kill('SIGUSR1');
    await pollFor(() => readdirSync(dir).filter((f) => f.startsWith('mongod.log.')).length === before + 1);
    await n4.stop('SIGTERM');
    expect(readFileSync(logPath, 'utf8')).toContain('"id":23138');
  });
});

async function pollFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForFile(path: string, needle: string, times = 1, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (text.split(needle).length - 1 >= times) return;
    if (Date.now() > deadline) throw new Error(`${path} never contained ${needle} x${times}:\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('exit codes', () => {
  it('exits 48 when the port is taken, logging both listener errors', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      mkdirSync(join(dir, 'db'));
      const r = await runMongod([
        '--port',
        String(port),
        '--dbpath',
        join(dir, 'db'),
        '--bind_ip',
        '127.0.0.1',
        '--nounixsocket',
      ]);
      expect(r.code).toBe(48);
      const lines = parseLogLines(r.stdout);
      const failed = lines.find((l) => l.id === 23024)!;
      expect(failed).toMatchObject({ s: 'E', c: 'NETWORK', msg: 'Failed to set up listener' });
      expect(failed.attr!.error).toEqual({ code: 9001, codeName: 'SocketException', errmsg: 'Address already in use' });
      expect(lines.find((l) => l.id === 20568)).toMatchObject({ c: 'CONTROL', msg: 'Error setting up listener' });
      expect(r.stdout).toMatch(/address already in use/i);
      expect(lines.at(-1)).toMatchObject({ id: 23138, attr: { exitCode: 48 } });
    } finally {
      blocker.close();
    }
  });

  it('exits 48 with MONGOSIM_REFUSE_BIND', async () => {
    mkdirSync(join(dir, 'db'));
    const r = await runMongod(['--port', '0', '--dbpath', join(dir, 'db'), '--nounixsocket'], {
      env: { MONGOSIM_REFUSE_BIND: '1' },
    });
    expect(r.code).toBe(48);
  });

  it('exits 100 when dbPath is missing (20557 with NonExistentPath)', async () => {
    const r = await runMongod(['--port', '0', '--dbpath', join(dir, 'nope'), '--nounixsocket']);
    expect(r.code).toBe(100);
    const l = parseLogLines(r.stdout).find((x) => x.id === 20557)!;
    expect(l).toMatchObject({
      s: 'E',
      c: 'CONTROL',
      ctx: 'initandlisten',
      msg: 'DBException in initAndListen, terminating',
    });
    expect(l.attr!.error).toBe(
      `NonExistentPath: Data directory ${join(dir, 'nope')} not found. Create the missing directory or specify another path using (1) the --dbpath command line option, or (2) by adding the 'storage.dbPath' option in the configuration file.`,
    );
  });

  it('exits 100 when another mongod holds the dbPath lock', async () => {
    const n = await node();
    expect(readFileSync(join(n.dbPath, 'mongod.lock'), 'utf8')).toBe(`${n.pid}\n`);
    const r = await runMongod(['--port', '0', '--dbpath', n.dbPath, '--nounixsocket']);
    expect(r.code).toBe(100);
    const l = parseLogLines(r.stdout).find((x) => x.id === 20557)!;
    expect(l.attr!.error).toContain(
      `DBPathInUse: Unable to lock the lock file: ${n.dbPath}/mongod.lock (Resource temporarily unavailable).`,
    );
  });

  it('exits 100 for a storage engine this version does not have', async () => {
    mkdirSync(join(dir, 'db'));
    const args = ['--port', '0', '--dbpath', join(dir, 'db'), '--nounixsocket', '--storageEngine', 'ephemeralForTest'];
    const r = await runMongod(args);
    expect(r.code).toBe(100);
    expect(r.stdout).toContain('Location18656: Cannot start server with an unknown storage engine: ephemeralForTest');
    // 6.0 still had ephemeralForTest.
    const n = new SimNode({
      dir: join(dir, 'e'),
      args: ['--storageEngine', 'ephemeralForTest'],
      env: { MONGOSIM_VERSION: '6.0.5' },
    });
    nodes.push(n);
    await n.ready();
    expect((await n.command({ buildInfo: 1 })).version).toBe('6.0.5');
    expect((await n.command({ hello: 1 })).maxWireVersion).toBe(17);
  });

  it('dies like a fatal assertion with MONGOSIM_CRASH_AT_STARTUP (exit 14)', async () => {
    mkdirSync(join(dir, 'db'));
    const r = await runMongod(['--port', '0', '--dbpath', join(dir, 'db'), '--nounixsocket'], {
      env: { MONGOSIM_CRASH_AT_STARTUP: '1' },
    });
    expect(r.code).toBe(14);
    expect(r.stdout).toMatch(/\*\*\*aborting after fassert\(\) failure/);
  });

  it('crashes abruptly with MONGOSIM_CRASH_AFTER_MS (lock file left behind)', async () => {
    const n = await node([], { MONGOSIM_CRASH_AFTER_MS: '300' });
    expect(await n.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(readFileSync(join(n.dbPath, 'mongod.lock'), 'utf8')).toBe(`${n.pid}\n`);
  });

  it('ignores SIGTERM with MONGOSIM_IGNORE_SIGNALS and delays shutdown with MONGOSIM_SHUTDOWN_DELAY_MS', async () => {
    const hung = await node([], { MONGOSIM_IGNORE_SIGNALS: '1' }, 'hung');
    hung.kill('SIGTERM');
    await hung.waitForLog((l) => l.id === 23378, 5000, 'the ignored-signal warning');
    expect((await hung.command({ ping: 1 })).ok).toBe(1);
    hung.kill('SIGKILL');
    expect((await hung.exited).signal).toBe('SIGKILL');
    const slow = await node([], { MONGOSIM_SHUTDOWN_DELAY_MS: '600' }, 'slow');
    const t0 = Date.now();
    expect(await slow.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
  });

  it('delays listening by MONGOSIM_START_DELAY_MS', async () => {
    const t0 = Date.now();
    await node([], { MONGOSIM_START_DELAY_MS: '700' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
  });
});

describe('signals, shutdown and the lock file', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`exits 0 on ${signal} with the shutdown log sequence and an empty lock file`, async () => {
      const pidFile = join(dir, 'mongod.pid');
      const n = await node(['--pidfilepath', pidFile]);
      expect(readFileSync(pidFile, 'utf8')).toBe(`${n.pid}\n`);
      const exit = await n.stop(signal);
      expect(exit).toEqual({ code: 0, signal: null });
      const ids = n.lines.map((l) => l.id);
      const seq = [23377, 23381, 8314100, 4784930, 4795901, 22279, 20626, 20565, 8423404, 23138];
      const pos = seq.map((id) => ids.indexOf(id));
      expect(pos.every((p) => p >= 0)).toBe(true);
      expect([...pos].sort((a, b) => a - b)).toEqual(pos);
      const received = n.lines.find((l) => l.id === 23377)!;
      expect(received.attr).toEqual(
        signal === 'SIGINT' ? { signal: 2, error: 'Interrupt' } : { signal: 15, error: 'Terminated' },
      );
      expect(n.lines.at(-1)).toMatchObject({ id: 23138, attr: { exitCode: 0 } });
      expect(readFileSync(join(n.dbPath, 'mongod.lock'), 'utf8')).toBe('');
    });
  }

  it('exits 0 on the shutdown command without replying; strict fields are checked', async () => {
    const n = await node();
    const c = n.client();
    await expect(c.db('admin').command({ shutdown: 1, bogus: true })).rejects.toMatchObject({ code: 40415 });
    await expect(c.db('test').command({ shutdown: 1 })).rejects.toMatchObject({ code: 13 });
    await expect(c.db('admin').command({ shutdown: 1 })).rejects.toThrow();
    await c.close();
    expect(await n.exited).toEqual({ code: 0, signal: null });
    expect(n.lines.some((l) => l.id === 23138 && l.attr!.exitCode === 0)).toBe(true);
  });

  it('leaves mongod.lock non-empty after SIGKILL and recovers acknowledged writes on restart', async () => {
    const sub = join(dir, 'k');
    const n = await startNode({ dir: sub });
    nodes.push(n);
    const c = n.client();
    const docs = Array.from({ length: 200 }, (_, i) => ({ _id: i, v: `x${i}` }));
    await c.db('app').collection<any>('items').insertMany(docs);
    await c.db('app').collection<any>('items').createIndex({ v: 1 }, { unique: true });
    await c
      .db('app')
      .collection<any>('items')
      .updateOne({ _id: 5 }, { $set: { v: 'changed' } });
    await c.db('app').collection<any>('items').deleteOne({ _id: 7 });
    await c.close();
    n.kill('SIGKILL');
    await n.exited;
    expect(readFileSync(join(n.dbPath, 'mongod.lock'), 'utf8')).toBe(`${n.pid}\n`);
    const again = await startNode({ dir: sub });
    nodes.push(again);
    expect(again.lines.some((l: LogLine) => l.id === 22271)).toBe(true);
    const c2 = again.client();
    const coll = c2.db('app').collection<any>('items');
    expect(await coll.countDocuments()).toBe(199);
    expect(await coll.findOne({ _id: 5 })).toEqual({ _id: 5, v: 'changed' });
    expect(await coll.findOne({ _id: 7 })).toBeNull();
    await expect(coll.insertOne({ _id: 1000, v: 'x1' })).rejects.toMatchObject({ code: 11000 });
    await c2.close();
    await again.stop('SIGTERM');
    const third = await startNode({ dir: sub });
    nodes.push(third);
    expect(third.lines.some((l) => l.id === 22271)).toBe(false);
    expect(await third.command({ count: 'items' }, 'app')).toMatchObject({ n: 199 });
  });

  it('creates the unix socket under --unixSocketPrefix and removes it on shutdown', async () => {
    const sockDir = join(dir, 'sock');
    mkdirSync(sockDir);
    const n = await startNode({ dir: join(dir, 'u'), unixSocketPrefix: sockDir });
    nodes.push(n);
    const sock = join(sockDir, `mongodb-${n.port}.sock`);
    expect(existsSync(sock)).toBe(true);
    expect(n.lines.filter((l) => l.id === 23015).map((l) => l.attr!.address)).toEqual([sock, '127.0.0.1']);
    // The socket serves the wire protocol too.
    const { MongoClient } = await import('mongodb');
    const c = new MongoClient(`mongodb://${encodeURIComponent(sock)}/?directConnection=true`);
    expect((await c.db('admin').command({ ping: 1 })).ok).toBe(1);
    await c.close();
    expect(await n.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(sock)).toBe(false);
    expect(n.lines.find((l) => l.id === 23017)?.attr).toEqual({ path: sock });
  });
});
