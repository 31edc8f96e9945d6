// Logs (rotation, redirect, tail, follow, line streams), readiness (READY distinct from RUNNING),
// dependencies (start gated on READY, stop in reverse) and /proc metrics, through the public API.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorEvent } from '../../../src/supervisor/events.js';
import { Supervisor, type ProgramDefinition, type SupervisorOptions } from '../../../src/supervisor/supervisor.js';
import { PROG, TestDir, freePort } from '../../helpers/supervisor.js';

let dir: TestDir | undefined;
let sup: Supervisor | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await sup?.close();
  sup = undefined;
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await dir?.cleanup();
  dir = undefined;
});

function start(programs: readonly ProgramDefinition[], extra: Partial<SupervisorOptions> = {}) {
  dir ??= new TestDir();
  const events: SupervisorEvent[] = [];
  sup = new Supervisor({
    programs: programs.map((p) => ({ directory: dir!.path, ...p })),
    childLogDir: dir.path,
    readyIntervalMs: 20,
    ...extra,
  });
  sup.on((e) => events.push(e));
  sup.startSupervisor();
  return { sup, events, dir: dir };
}

const names = (events: readonly SupervisorEvent[], type: string) =>
  events.filter((e) => e.type === type).map((e) => (e as { name: string }).name);

describe('logs', () => {
  it('rotates stdout by maxbytes keeping N backups, .1 newest', async () => {
    const { sup, dir } = start([
      {
        name: 'w',
        // Three bursts of 1031 bytes, each written only after we saw the previous one (stdin handshake).
        command: [
          PROG,
          'print:A',
          'lines:21:49',
          'stdin',
          'print:B',
          'lines:21:49',
          'stdin',
          'print:C',
          'lines:21:49',
          'forever',
        ],
        stdoutLogfile: `${dir0()}/w.log`,
        stdoutLogfileMaxbytes: 1024,
        stdoutLogfileBackups: 2,
        startsecs: 0,
      },
    ]);
    const q = sup.subscribeLines('w');
    let bursts = 0;
    for await (const l of q) {
      if (!l.text.startsWith('line 20 ')) continue;
      if (++bursts === 3) break;
      sup.sendProcessStdin('w', 'go\n');
    }
    const log = `${dir.path}/w.log`;
    // Each burst reached maxbytes and rotated: .1 is the newest, the oldest fell off the end.
    expect(statSync(log).size).toBe(0);
    expect(readFileSync(`${log}.1`, 'utf8').startsWith('C\n')).toBe(true);
    expect(readFileSync(`${log}.2`, 'utf8').startsWith('B\n')).toBe(true);
    expect(statSync(`${log}.1`).size).toBe(1031);
    expect(existsSync(`${log}.3`)).toBe(false);
  });

  it('redirect_stderr sends both streams to the stdout log; there is no stderr log', async () => {
    const { sup } = start([
      { name: 'r', command: [PROG, 'print:out', 'err:err', 'forever'], redirectStderr: true, startsecs: 0 },
    ]);
    const q = sup.subscribeLines('r', { from: { offset: 0 } });
    const seen = new Set<string>();
    for await (const l of q) {
      seen.add(`${l.channel}:${l.text}`);
      if (seen.size === 2) break;
    }
    expect(seen).toEqual(new Set(['stdout:out', 'stdout:err']));
    const info = await sup.info('r');
    expect(info.stderrLogfile).toBeNull();
    expect((await sup.tail('r')).split('\n').sort()).toEqual(['', 'err', 'out']);
    expect(() => sup.readProcessLog('r', 'stderr', 0, 0)).toThrow(
      expect.objectContaining({ faultString: 'NO_FILE: None' }),
    );
  });

  it('follows a log like tail -f and streams lines only from the subscription on', async () => {
    const { sup } = start([{ name: 'f', command: [PROG, 'print:old', 'forever'], startsecs: 0, autostart: true }]);
    const early = sup.subscribeLines('f', { from: { offset: 0 } });
    for await (const l of early) if (l.text === 'old') break;
    const now = sup.subscribeLines('f');
    const follow = await sup.follow('f');
    const pid = (await sup.info('f')).pid;
    process.kill(pid, 'SIGKILL');
    // The respawned incarnation prints "old" again; the "now" stream sees only that new line.
    const next = await now.next();
    expect(next.value).toMatchObject({ text: 'old', channel: 'stdout' });
    expect((next.value as { pid: number }).pid).not.toBe(pid);
    const chunk = await follow.next();
    expect(chunk.value).toBe('old\n');
    await follow.return?.();
    await now.return();
  });
});

describe('readiness', () => {
  it('READY comes from the JSON log id of the current incarnation, before RUNNING, never from an old line', async () => {
    const { sup, events } = start([
      {
        name: 'db',
        command: [PROG, 'sleep:300', 'json:23016:27017', 'forever'],
        // Long enough that READY (about 300 ms after spawn plus Node's start) comes before RUNNING
        // even on a loaded machine.
        startsecs: 6,
        ready: { kind: 'log-id', id: 23016, attr: { port: 27017 } },
      },
    ]);
    const first = await sup.waitReady('db', { timeoutMs: 15_000 });
    expect(first.state).toBe('STARTING');
    const readyEvent = events.find((e) => e.type === 'PROCESS_READY');
    expect(readyEvent).toMatchObject({ name: 'db', pid: first.pid, check: 'log id 23016 with attr {"port":27017}' });
    await sup.waitFor('db', { state: 'RUNNING', timeoutMs: 15_000 });
    process.kill(first.pid, 'SIGKILL');
    const restarted = await sup.waitFor('db', { notPid: first.pid, state: 'STARTING', timeoutMs: 15_000 });
    // The old incarnation's 23016 line is in the log, but the new one is not READY until it prints its own.
    expect(restarted.ready).toBe(false);
    const again = await sup.waitReady('db', { timeoutMs: 15_000 });
    expect(again.pid).toBe(restarted.pid);
    expect(names(events, 'PROCESS_READY')).toEqual(['db', 'db']);
  });

  it('READY from a TCP port accepting connections, and from a command, a function or a RegExp', async () => {
    const port = await freePort();
    let fnCalls = 0;
    const { sup, events } = start([
      {
        name: 'net',
        command: [PROG, 'sleep:200', `listen:${port}`, 'forever'],
        startsecs: 0,
        ready: { kind: 'tcp', host: '127.0.0.1', port },
      },
      { name: 'cmd', command: [PROG, 'forever'], startsecs: 0, ready: { kind: 'command', argv: ['/bin/true'] } },
      {
        name: 'fn',
        command: [PROG, 'forever'],
        startsecs: 0,
        ready: { kind: 'function', check: ({ pid }) => pid > 0 && ++fnCalls >= 3, description: 'third call' },
      },
      {
        name: 'rx',
        command: [PROG, 'print:Service UP', 'forever'],
        startsecs: 0,
        ready: { kind: 'log', pattern: /service up/i },
      },
    ]);
    const net = await sup.waitReady('net', { timeoutMs: 15_000 });
    expect(net.ready).toBe(true);
    // The port accepts before the program gets to print that it listens.
    await expect.poll(() => sup.tail('net'), { timeout: 10_000 }).toContain(`listening ${port}`);
    await sup.waitReady('cmd', { timeoutMs: 15_000 });
    await sup.waitReady('fn', { timeoutMs: 15_000 });
    expect(fnCalls).toBe(3);
    await sup.waitReady('rx', { timeoutMs: 15_000 });
    expect(events.find((e) => e.type === 'PROCESS_READY' && e.name === 'fn')).toMatchObject({ check: 'third call' });
  });

  it('READY from an HTTP endpoint answering 2xx', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    let healthy = false;
    const http = createHttpServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503);
      res.end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    try {
      const { port } = http.address() as { port: number };
      const { sup } = start([
        {
          name: 'web',
          command: [PROG, 'forever'],
          startsecs: 0,
          ready: { kind: 'http', url: `http://127.0.0.1:${port}/health` },
        },
      ]);
      await sup.waitFor('web', { state: 'RUNNING', timeoutMs: 15_000 });
      expect((await sup.info('web')).ready).toBe(false);
      healthy = true;
      await sup.waitReady('web', { timeoutMs: 15_000 });
    } finally {
      await new Promise((r) => http.close(r));
    }
  });

  it('a readiness timeout stops the program and says what it waited for', async () => {
    const { sup, events } = start([
      {
        name: 'slow',
        command: [PROG, 'forever'],
        startsecs: 0,
        ready: { kind: 'log', pattern: 'never printed' },
        readyTimeoutSecs: 1,
      },
    ]);
    await sup.waitFor('slow', { state: 'STOPPED', timeoutMs: 15_000 });
    expect(events.find((e) => e.type === 'PROCESS_READY_FAILED')).toMatchObject({
      reason: 'not ready after 1s (waiting for log line matching /never printed/)',
    });
    await expect(sup.waitReady('slow', { timeoutMs: 200 })).rejects.toMatchObject({
      name: 'StartupTimeoutError',
      waitingFor: 'slow READY',
    });
  });
});

describe('dependencies', () => {
  it('starts a program only when its dependencies are READY, and stops in reverse order', async () => {
    const { sup, events } = start([
      { name: 'router', command: [PROG, 'forever'], startsecs: 0, dependsOn: ['cfg', 'shard'], priority: 1 },
      {
        name: 'cfg',
        command: [PROG, 'sleep:400', 'json:23016', 'forever'],
        startsecs: 0,
        ready: { kind: 'log-id', id: 23016 },
      },
      {
        name: 'shard',
        command: [PROG, 'sleep:100', 'json:23016', 'forever'],
        startsecs: 0,
        ready: { kind: 'log-id', id: 23016 },
      },
    ]);
    const waiting = await sup.info('router');
    expect(waiting.state).toBe('STOPPED');
    expect([...waiting.waitingFor].sort()).toEqual(['cfg', 'shard']);
    expect(waiting.description).toMatch(/^waiting for /);
    await sup.waitReady('router', { timeoutMs: 20_000 });
    const starting = events.filter((e) => e.type === 'PROCESS_STATE_STARTING').map((e) => (e as { name: string }).name);
    expect(starting.at(-1)).toBe('router');
    const routerStart = events.find((e) => e.type === 'PROCESS_STATE_STARTING' && e.name === 'router')!.serial;
    for (const dep of ['cfg', 'shard']) {
      expect(events.find((e) => e.type === 'PROCESS_READY' && e.name === dep)!.serial).toBeLessThan(routerStart);
    }
    await sup.close();
    const stops = names(events, 'PROCESS_STATE_STOPPED');
    expect(stops[0]).toBe('router');
    expect(events.find((e) => e.type === 'PROCESS_STATE_STOPPING' && e.name !== 'router')!.serial).toBeGreaterThan(
      events.find((e) => e.type === 'PROCESS_STATE_STOPPED' && e.name === 'router')!.serial,
    );
  });

  it('a failed dependency abandons the dependent start with a typed fault', async () => {
    const { sup, events } = start([
      { name: 'app', command: [PROG, 'forever'], startsecs: 0, dependsOn: ['db'], autostart: false },
      { name: 'db', command: [PROG, 'exit:1'], startsecs: 1, startretries: 0, autostart: false },
    ]);
    await expect(sup.startProcess('app')).rejects.toMatchObject({ faultString: 'SPAWN_ERROR: app' });
    expect((await sup.info('db')).state).toBe('FATAL');
    const app = await sup.info('app');
    expect(app).toMatchObject({ state: 'STOPPED', spawnErr: 'dependency db entered FATAL', waitingFor: [] });
    expect(events.find((e) => e.type === 'PROCESS_DEPENDENCY_FAILED')).toMatchObject({ name: 'app', dependency: 'db' });
  });
});

describe('metrics', () => {
  it('reports CPU, RSS, open files, uptime and restarts from /proc, and Prometheus text', async () => {
    const { sup } = start([{ name: 'm', command: [PROG, 'forever'], startsecs: 0 }]);
    const first = await sup.waitFor('m', { state: 'RUNNING', timeoutMs: 15_000 });
    process.kill(first.pid, 'SIGKILL');
    await sup.waitFor('m', { state: 'RUNNING', notPid: first.pid, timeoutMs: 15_000 });
    await expect
      .poll(async () => (await sup.metrics('m'))[0].rssBytes ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(1024 * 1024);
    const [m] = await sup.metrics('m');
    expect(m).toMatchObject({ name: 'm', state: 'RUNNING', restartCount: 1, spawnCount: 2 });
    expect(m.openFds).toBeGreaterThanOrEqual(3);
    expect(m.threads).toBeGreaterThanOrEqual(1);
    expect(m.cpuSeconds).toBeGreaterThanOrEqual(0);
    expect(m.uptimeMs).toBeGreaterThanOrEqual(0);
  });
});

/** The test dir created by start(); for programs that need its path in their definition. */
function dir0(): string {
  dir ??= new TestDir();
  return dir.path;
}
