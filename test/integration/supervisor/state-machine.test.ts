// supervisord's process state machine, exercised through the in-process Supervisor with real child
// processes (the scriptable test program). Timing assertions are loose lower/upper bounds; waits are
// event-driven with deadlines.
import { chmodSync, readFileSync } from 'node:fs';
import { withTimeout } from '../../../src/common/async.js';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcFault } from '../../../src/supervisor/faults.js';
import type { SupervisorEvent } from '../../../src/supervisor/events.js';
import { Supervisor, type ProgramDefinition, type SupervisorOptions } from '../../../src/supervisor/supervisor.js';
import { findProcesses } from '../../helpers/leaks.js';
import { PROG, TestDir } from '../../helpers/supervisor.js';

let dir: TestDir | undefined;
let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.close();
  sup = undefined;
  await dir?.cleanup();
  dir = undefined;
});

/** Starts a supervisor whose programs all run in the test dir (so the dir marks their processes). */
function start(programs: readonly ProgramDefinition[], groups?: SupervisorOptions['groups']) {
  dir = new TestDir();
  const events: SupervisorEvent[] = [];
  sup = new Supervisor({
    programs: programs.map((p) => ({ directory: dir!.path, ...p })),
    groups,
    childLogDir: dir.path,
  });
  sup.on((e) => events.push(e));
  sup.startSupervisor();
  return { sup, events, dir };
}

/** `TYPE from→` summary of state events for one process, e.g. `STARTING<STOPPED`. */
function states(events: readonly SupervisorEvent[], name: string): string[] {
  return events
    .filter(
      (e): e is Extract<SupervisorEvent, { fromState: string }> =>
        e.type.startsWith('PROCESS_STATE_') && 'name' in e && e.name === name,
    )
    .map((e) => `${e.type.slice('PROCESS_STATE_'.length)}<${e.fromState}`);
}

function timeOf(events: readonly SupervisorEvent[], name: string, type: string, nth = 0): number {
  return events.filter((e) => 'name' in e && e.name === name && e.type === type)[nth].time;
}

describe('supervisord state machine', () => {
  it('respawns a process that crashes after RUNNING at once, like supervisord (no delay, no retry limit)', async () => {
    const { sup, events } = start([{ name: 'web', command: [PROG, 'print:up', 'forever'], startsecs: 1 }]);
    const first = await sup.waitFor('web', { state: 'RUNNING', timeoutMs: 15_000 });
    process.kill(first.pid, 'SIGKILL');
    const second = await sup.waitFor('web', { state: 'RUNNING', notPid: first.pid, timeoutMs: 15_000 });
    expect(states(events, 'web')).toEqual([
      'STARTING<STOPPED',
      'RUNNING<STARTING',
      'EXITED<RUNNING',
      'STARTING<EXITED',
      'RUNNING<STARTING',
    ]);
    const exited = events.find((e) => e.type === 'PROCESS_STATE_EXITED');
    expect(exited).toMatchObject({ pid: first.pid, expected: false });
    expect(
      timeOf(events, 'web', 'PROCESS_STATE_STARTING', 1) - timeOf(events, 'web', 'PROCESS_STATE_EXITED'),
    ).toBeLessThan(500);
    expect(second).toMatchObject({ restartCount: 1, spawnCount: 2, exitStatus: null });
    expect(second.description).toMatch(/^pid \d+, uptime 0:00:0\d$/);
  });

  it('a process exiting before startsecs goes to BACKOFF, retries after 1s then 2s, then FATAL (1 + startretries attempts)', async () => {
    const { sup, events } = start([
      // startsecs is far above the time the program takes to exit, even on a loaded machine.
      { name: 'bad', command: [PROG, 'err:boom', 'exit:3'], startsecs: 10, startretries: 2 },
    ]);
    const info = await sup.waitFor('bad', { state: 'FATAL', timeoutMs: 20_000 });
    expect(states(events, 'bad')).toEqual([
      'STARTING<STOPPED',
      'BACKOFF<STARTING',
      'STARTING<BACKOFF',
      'BACKOFF<STARTING',
      'STARTING<BACKOFF',
      'BACKOFF<STARTING',
      'FATAL<BACKOFF',
    ]);
    const tries = events
      .filter((e) => e.type === 'PROCESS_STATE_STARTING' || e.type === 'PROCESS_STATE_BACKOFF')
      .map((e) => (e as { tries: number }).tries);
    expect(tries).toEqual([0, 1, 1, 2, 2, 3]);
    // Our extension: each too-quick attempt's exit status travels with its BACKOFF event.
    const statuses = events
      .filter((e) => e.type === 'PROCESS_STATE_BACKOFF')
      .map((e) => (e as { exitStatus?: number }).exitStatus);
    expect(statuses).toEqual([3, 3, 3]);
    const gap1 = timeOf(events, 'bad', 'PROCESS_STATE_STARTING', 1) - timeOf(events, 'bad', 'PROCESS_STATE_BACKOFF', 0);
    const gap2 = timeOf(events, 'bad', 'PROCESS_STATE_STARTING', 2) - timeOf(events, 'bad', 'PROCESS_STATE_BACKOFF', 1);
    expect(gap1).toBeGreaterThanOrEqual(1000);
    expect(gap1).toBeLessThan(4000); // generous: timers fire late on a loaded machine
    expect(gap2).toBeGreaterThanOrEqual(2000);
    expect(gap2).toBeLessThan(5000);
    expect(info).toMatchObject({
      spawnErr: 'Exited too quickly (process log may have details)',
      description: 'Exited too quickly (process log may have details)',
      spawnCount: 3,
      pid: 0,
    });
    expect(await sup.tail('bad', { channel: 'stderr' })).toBe('boom\nboom\nboom\n');
  });

  it('autorestart=unexpected leaves an expected exit alone and restarts an unexpected one', async () => {
    const { sup, events } = start([
      { name: 'clean', command: [PROG, 'sleep:1300', 'exit:0'], startsecs: 1 },
      { name: 'odd', command: [PROG, 'sleep:1300', 'exit:3'], startsecs: 1, exitcodes: [0, 2] },
    ]);
    const clean = await sup.waitFor('clean', { state: 'EXITED', timeoutMs: 15_000 });
    expect(clean).toMatchObject({ exitStatus: 0, spawnErr: null });
    expect(events.find((e) => e.type === 'PROCESS_STATE_EXITED' && e.name === 'clean')).toMatchObject({
      expected: true,
      exitStatus: 0,
    });
    await sup.waitFor('odd', { state: 'STARTING', notPid: 0, timeoutMs: 15_000 });
    await sup.waitFor('odd', { state: 'RUNNING', timeoutMs: 15_000 });
    const oddStates = states(events, 'odd');
    expect(oddStates.slice(0, 4)).toEqual([
      'STARTING<STOPPED',
      'RUNNING<STARTING',
      'EXITED<RUNNING',
      'STARTING<EXITED',
    ]);
    // A restart after an exit is decided synchronously with the exit, so "no restart" is already final.
    expect((await sup.info('clean')).state).toBe('EXITED');
    expect((await sup.info('clean')).spawnCount).toBe(1);
  });

  it('autorestart=true restarts after an expected exit, autorestart=false never restarts', async () => {
    const { sup, events } = start([
      { name: 'always', command: [PROG, 'sleep:1200', 'exit:0'], startsecs: 1, autorestart: true },
      { name: 'never', command: [PROG, 'sleep:1200', 'exit:7'], startsecs: 1, autorestart: false },
    ]);
    await sup.waitFor('never', { state: 'EXITED', timeoutMs: 15_000 });
    expect((await sup.info('never')).exitStatus).toBe(7);
    expect((await sup.info('never')).spawnErr).toBe('Bad exit code 7');
    await sup.waitFor('always', { state: 'RUNNING', timeoutMs: 15_000 });
    const before = (await sup.info('always')).pid;
    await sup.waitFor('always', { state: 'RUNNING', notPid: before, timeoutMs: 15_000 });
    expect(states(events, 'always')).toContain('STARTING<EXITED');
    expect(states(events, 'never')).not.toContain('STARTING<EXITED');
  });

  it('stop escalates to SIGKILL after stopwaitsecs for a program that ignores the stop signal', async () => {
    const { sup, events } = start([
      { name: 'stubborn', command: [PROG, 'ignore:TERM', 'print:armed', 'forever'], startsecs: 0, stopwaitsecs: 1 },
    ]);
    const lines = sup.subscribeLines('stubborn');
    await sup.waitFor('stubborn', { state: 'RUNNING', timeoutMs: 15_000 });
    for await (const l of lines) if (l.text === 'armed') break;
    const t0 = Date.now();
    await sup.stop('stubborn');
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5000);
    expect(states(events, 'stubborn').slice(-2)).toEqual(['STOPPING<RUNNING', 'STOPPED<STOPPING']);
    const info = await sup.info('stubborn');
    expect(info).toMatchObject({ state: 'STOPPED', exitStatus: -1 });
    expect(await sup.tail('stubborn')).toContain('ignoring SIGTERM');
  });

  it('stopasgroup takes down children the program forked; without it they are orphaned until the supervisor closes', async () => {
    const { sup, dir } = start([
      { name: 'grouped', command: [PROG, 'fork', 'forever'], startsecs: 0, stopasgroup: true },
      { name: 'loner', command: [PROG, 'fork', 'forever'], startsecs: 0 },
    ]);
    const childOf = async (name: string) => {
      const q = sup.subscribeLines(name, { from: { offset: 0 } });
      for await (const l of q) {
        const m = /^forked (\d+)$/.exec(l.text);
        if (m) return Number(m[1]);
      }
      throw new Error('no fork line');
    };
    const [g, l] = await Promise.all([childOf('grouped'), childOf('loner')]);
    const alive = (pid: number) => findProcesses(dir.path).some((p) => p.pid === pid);
    expect(alive(g) && alive(l)).toBe(true);
    await sup.stop('grouped');
    await sup.stop('loner');
    await expect.poll(() => alive(g), { timeout: 10_000 }).toBe(false);
    expect(alive(l)).toBe(true);
    await sup.close();
    await expect.poll(() => alive(l), { timeout: 10_000 }).toBe(false);
  });

  it('reports spawn failures the way supervisord does', async () => {
    const pre = new TestDir();
    const dir0 = (f: string) => pre.file(f, 'not a program\n');
    const { sup, dir, events } = start([
      { name: 'missing', command: ['/nonexistent/bin/x'], autostart: false },
      { name: 'notexec', command: [dir0('notexec.txt')], autostart: false },
    ]);
    await expect(sup.startProcess('missing')).rejects.toMatchObject({
      faultString: "NO_FILE: can't find command '/nonexistent/bin/x'",
    });
    await expect(sup.startProcess('notexec')).rejects.toMatchObject({
      faultString: `NOT_EXECUTABLE: command at '${pre.path}/notexec.txt' is not executable`,
    });
    // A directory that does not exist fails in the child (exit 127) and counts as a quick exit.
    const s2 = new Supervisor({
      programs: [{ name: 'baddir', command: [PROG, 'forever'], directory: `${dir.path}/nope`, startretries: 0 }],
      childLogDir: dir.path,
    });
    try {
      s2.startSupervisor();
      const info = await s2.waitFor('baddir', { state: 'FATAL', timeoutMs: 10_000 });
      expect(info.spawnErr).toBe('Exited too quickly (process log may have details)');
      expect(readFileSync(info.stderrLogfile!, 'utf8')).toBe(
        `supervisor: couldn't chdir to ${dir.path}/nope: ENOENT\nsupervisor: child process was not spawned\n`,
      );
    } finally {
      await s2.close();
    }
    expect(events.filter((e) => e.type.startsWith('PROCESS_STATE_'))).toEqual([]);
    await pre.cleanup();
  });

  it('startProcess waits for RUNNING and faults like supervisord; stopProcess likewise', async () => {
    const { sup } = start([
      { name: 'ok', command: [PROG, 'forever'], autostart: false, startsecs: 1 },
      { name: 'quick', command: [PROG, 'exit:0'], autostart: false, startsecs: 1, startretries: 0 },
    ]);
    const t0 = Date.now();
    expect(await sup.startProcess('ok')).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect((await sup.info('ok')).state).toBe('RUNNING');
    await expect(sup.startProcess('ok')).rejects.toMatchObject({ faultCode: 60, faultString: 'ALREADY_STARTED: ok' });
    await expect(sup.startProcess('quick')).rejects.toMatchObject({ faultCode: 50, faultString: 'SPAWN_ERROR: quick' });
    let caught: unknown;
    try {
      await sup.start('quick');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RpcFault);
    expect((caught as RpcFault).logFile).toMatch(/quick-stdout---supervisor-/);
    await expect(sup.stopProcess('quick')).rejects.toMatchObject({ faultCode: 70, faultString: 'NOT_RUNNING: quick' });
    expect(await sup.stopProcess('ok')).toBe(true);
    expect((await sup.info('ok')).state).toBe('STOPPED');
    expect((await sup.info('ok')).description).toMatch(/^[A-Z][a-z]{2} \d{2} \d{2}:\d{2} [AP]M$/);
  });

  it('signalProcess signals the pid only; a BACKOFF process stops at once without a signal', async () => {
    const { sup, events } = start([
      { name: 'usr', command: [PROG, 'ignore:USR1', 'print:armed', 'forever'], startsecs: 0 },
      { name: 'flap', command: [PROG, 'exit:1'], startsecs: 1, startretries: 50 },
    ]);
    const lines = sup.subscribeLines('usr');
    await sup.waitFor('usr', { state: 'RUNNING', timeoutMs: 15_000 });
    for await (const l of lines) if (l.text === 'armed') break;
    expect(sup.signalProcess('usr', 'USR1')).toBe(true);
    for await (const l of lines) if (l.text === 'ignoring SIGUSR1') break;
    expect(() => sup.signalProcess('usr', 'NOPE')).toThrow(
      expect.objectContaining({ faultString: 'BAD_SIGNAL: NOPE' }),
    );
    await sup.waitFor('flap', { state: 'BACKOFF', timeoutMs: 15_000 });
    expect(await sup.stopProcess('flap')).toBe(true);
    expect(states(events, 'flap').at(-1)).toBe('STOPPED<BACKOFF');
  });

  it('spawns autostart programs in priority order and shuts groups down one at a time from the highest priority', async () => {
    const { sup, events } = start([
      { name: 'c', command: [PROG, 'forever'], priority: 30, startsecs: 0, stopsignal: 'INT' },
      { name: 'a', command: [PROG, 'forever'], priority: 10, startsecs: 0 },
      {
        name: 'b',
        command: [PROG, 'ignore:TERM', 'print:armed', 'forever'],
        priority: 20,
        startsecs: 0,
        stopwaitsecs: 1,
      },
    ]);
    const armed = sup.subscribeLines('b', { from: { offset: 0 } });
    for await (const l of armed) if (l.text === 'armed') break;
    await Promise.all(['a', 'b', 'c'].map((n) => sup.waitFor(n, { state: 'RUNNING', timeoutMs: 15_000 })));
    expect(events.filter((e) => e.type === 'PROCESS_STATE_STARTING').map((e) => (e as { name: string }).name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    await sup.close();
    const stops = events
      .filter((e) => e.type === 'PROCESS_STATE_STOPPING' || e.type === 'PROCESS_STATE_STOPPED')
      .map((e) => `${e.type.slice(14)} ${(e as { name: string }).name}`);
    expect(stops).toEqual(['STOPPING c', 'STOPPED c', 'STOPPING b', 'STOPPED b', 'STOPPING a', 'STOPPED a']);
    // b ignored SIGTERM: a was only asked to stop after b's SIGKILL, stopwaitsecs later.
    expect(
      timeOf(events, 'a', 'PROCESS_STATE_STOPPING') - timeOf(events, 'b', 'PROCESS_STATE_STOPPING'),
    ).toBeGreaterThanOrEqual(950);
  });

  it('gives each process its name, group, environment, directory and umask; numprocs expands names', async () => {
    const { sup, dir } = start(
      [
        {
          name: 'w',
          command: [PROG, 'env', 'forever'],
          numprocs: 2,
          processName: '%(program_name)s_%(process_num)02d',
          environment: { CUSTOM: 'a b,c', SUPERVISOR_ENABLED: 'overridden' },
          umask: 0o27,
          startsecs: 0,
        },
      ],
      [{ name: 'pool', programs: ['w'] }],
    );
    expect((await sup.status()).map((p) => p.name)).toEqual(['pool:w_00', 'pool:w_01']);
    const dump = async (name: string) => {
      const q = sup.subscribeLines(name, { from: { offset: 0 } });
      for await (const l of q)
        if (l.text.startsWith('{'))
          return JSON.parse(l.text) as { env: Record<string, string>; cwd: string; umask: number; ppid: number };
      throw new Error('no env line');
    };
    const d = await dump('pool:w_01');
    expect(d.env).toMatchObject({
      CUSTOM: 'a b,c',
      SUPERVISOR_ENABLED: 'overridden',
      SUPERVISOR_PROCESS_NAME: 'w_01',
      SUPERVISOR_GROUP_NAME: 'pool',
    });
    expect(d.env.PATH).toBe(process.env.PATH);
    expect(d.cwd).toBe(dir.path);
    expect(d.umask).toBe(0o27);
    expect(d.ppid).toBe(process.pid);
  });

  it.skipIf(process.getuid?.() !== 0)('runs a program as another user when the supervisor is root', async () => {
    // The program must be reachable by that user: the checkout may sit under a 0700 dir (mktemp -d).
    dir = new TestDir();
    chmodSync(dir.path, 0o755);
    const shared = dir.file('nobody-prog.mjs', readFileSync(PROG, 'utf8'));
    chmodSync(shared, 0o755);
    sup = new Supervisor({
      programs: [{ name: 'nob', command: [shared, 'env', 'forever'], user: 'nobody', startsecs: 0, directory: '/' }],
      childLogDir: dir.path,
    });
    sup.startSupervisor();
    const s = sup;
    const nobodyUid = Number(
      readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((x) => x.startsWith('nobody:'))!
        .split(':')[2],
    );
    const line = await withTimeout(
      (async () => {
        for await (const l of s.subscribeLines('nob', { from: { offset: 0 } }))
          if (l.text.startsWith('{')) return l.text;
        throw new Error('output ended before the env line');
      })(),
      30_000,
      "the program's env line",
    );
    expect((JSON.parse(line) as { uid: number }).uid).toBe(nobodyUid);
  });
});
