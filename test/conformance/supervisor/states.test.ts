// Differential conformance: the same generated INI (same generator, own paths and port) runs under
// the real supervisord 4.2.5 and under our daemon; one driver performs the same scripted actions on
// both over XML-RPC, and the recorded PROCESS_STATE sequences must be identical.
// supervisord's events are recorded by an event listener (test/fixtures-supervisor/event-recorder.mjs);
// ours come from the JSON event stream (replayed from boot).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pollUntil, settleAll, withTimeout } from '../../../src/common/async.js';
import { SupervisorClient } from '../../../src/supervisor/control/client.js';
import { renderIni, type GroupSpec, type ProgramSpec } from '../../../src/supervisor/config/render.js';
import { supervisordPayload } from '../../../src/supervisor/events.js';
import { findProcesses } from '../../helpers/leaks.js';
import {
  PROG,
  RECORDER,
  TestDir,
  freePort,
  removeCliBundle,
  startOurDaemon,
  startSupervisord,
  supervisordMissing,
  type DaemonProcess,
} from '../../helpers/supervisor.js';

const missing = supervisordMissing();
if (missing) console.warn(`skipping supervisord conformance tests: ${missing}`);

const AUTH = { username: 'mt', password: 'conformance' };
const dirs: TestDir[] = [];
const daemons: DaemonProcess[] = [];
afterEach(async () => {
  await settleAll(
    daemons.splice(0).map((d) => d.stop()),
    'daemon stops',
  );
  await settleAll(
    dirs.splice(0).map((d) => d.cleanup()),
    'temp dir cleanups',
  );
});
afterAll(() => removeCliBundle());

/** The scenario programs; `base` is the run's own directory (the process marker). */
function scenario(base: string): { programs: ProgramSpec[]; groups: GroupSpec[] } {
  const common = {
    directory: base,
    stdoutLogfile: `${base}/PROGRAM.log`,
    redirectStderr: true,
    stdoutLogfileMaxbytes: 0,
  } as const;
  const p = (spec: ProgramSpec): ProgramSpec => ({ ...common, ...spec, stdoutLogfile: `${base}/${spec.name}.log` });
  return {
    programs: [
      // Crash after RUNNING: respawned.
      p({ name: 'crash', command: [PROG, 'forever'], startsecs: 1 }),
      // Exits before startsecs every time: BACKOFF, retries, FATAL. (/bin/false, and startsecs 5,
      // so even a loaded machine cannot make it look like it stayed up.)
      p({ name: 'fatal', command: ['/bin/false'], startsecs: 5, startretries: 2 }),
      // Exits with an expected code after RUNNING: EXITED, not restarted.
      p({ name: 'expected', command: [PROG, 'sleep:1600', 'exit:0'], startsecs: 1, autorestart: 'unexpected' }),
      // Ignores SIGTERM: stop escalates to SIGKILL after stopwaitsecs.
      p({ name: 'stubborn', command: [PROG, 'ignore:TERM', 'print:armed', 'forever'], startsecs: 1, stopwaitsecs: 1 }),
      // A shell that ignores TERM with a child in its process group: the SIGKILL goes to the group.
      p({
        name: 'shgroup',
        command: ['/bin/sh', '-c', "trap '' TERM; /bin/sleep 1000 & echo child $!; wait"],
        startsecs: 1,
        stopwaitsecs: 1,
        killasgroup: true,
      }),
      // Groups stopped one at a time at shutdown, highest priority first.
      p({ name: 'e1', command: [PROG, 'forever'], startsecs: 1 }),
      p({ name: 'l1', command: [PROG, 'forever'], startsecs: 1 }),
    ],
    groups: [
      { name: 'early', programs: ['e1'], priority: 100 },
      { name: 'late', programs: ['l1'], priority: 300 },
    ],
  };
}

interface Recorded {
  readonly eventname: string;
  readonly payload: string;
}

/** Writes the run's INI; supervisord's run also gets the event listener through the include glob. */
async function prepare(kind: 'supervisord' | 'ours') {
  const dir = new TestDir(`mt-sup-conf-${kind}-`);
  dirs.push(dir);
  const port = await freePort();
  mkdirSync(`${dir.path}/extra`);
  const { programs, groups } = scenario(dir.path);
  const ini = dir.file(
    'supervisor.ini',
    renderIni({
      supervisord: {
        nodaemon: true,
        logfile: `${dir.path}/supervisor.log`,
        pidfile: `${dir.path}/supervisor.pid`,
        childlogdir: dir.path,
        identifier: 'conf',
        silent: true,
        loglevel: 'debug',
      },
      inetHttpServer: { host: '127.0.0.1', port, ...AUTH },
      supervisorctl: { serverurl: `http://127.0.0.1:${port}`, ...AUTH },
      include: ['extra/*.conf'],
      groups,
      programs,
    }),
  );
  if (kind === 'supervisord') {
    dir.file(
      'extra/recorder.conf',
      `[eventlistener:recorder]\ncommand=${process.execPath} ${RECORDER} ${dir.path}/events.ndjson\nevents=PROCESS_STATE\nbuffer_size=200\ndirectory=${dir.path}\nstdout_logfile=NONE\nstderr_logfile=${dir.path}/recorder.err\n`,
    );
  }
  return { dir, port, ini };
}

/** The same actions on either supervisor, over XML-RPC only. */
async function drive(
  d: DaemonProcess,
  dir: TestDir,
  recorded: () => readonly Recorded[],
): Promise<{ orphanFree: boolean; before: Recorded[] }> {
  const info = (name: string) =>
    d.rpc.call('supervisor.getProcessInfo', name) as Promise<{ statename: string; pid: number }>;
  const waitState = (name: string, state: string, notPid = -1) =>
    pollUntil(
      async () => {
        const i = await info(name);
        return i.statename === state && i.pid !== notPid ? i : undefined;
      },
      { what: `${name} to be ${state}`, timeoutMs: 30_000, intervalMs: 50 },
    );
  const waitLog = (name: string, re: RegExp) =>
    pollUntil(
      async () => re.exec((await d.rpc.call('supervisor.readProcessStdoutLog', name, 0, 0)) as string) ?? undefined,
      {
        what: `${name} log to match ${re}`,
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );

  const crash = await waitState('crash', 'RUNNING');
  process.kill(crash.pid, 'SIGKILL');
  await waitState('crash', 'RUNNING', crash.pid);
  await waitState('fatal', 'FATAL');
  await waitState('expected', 'EXITED');
  await waitState('stubborn', 'RUNNING');
  await waitLog('stubborn', /armed/);
  expect(await d.rpc.call('supervisor.stopProcess', 'stubborn')).toBe(true);
  await waitState('shgroup', 'RUNNING');
  const child = Number((await waitLog('shgroup', /child (\d+)/))[1]);
  expect(await d.rpc.call('supervisor.stopProcess', 'shgroup')).toBe(true);
  await waitState('early:e1', 'RUNNING');
  await waitState('late:l1', 'RUNNING');
  const orphanFree = !findProcesses(dir.path).some((p) => p.pid === child);
  // Everything up to here must have reached the recorder before we shut down (supervisord's
  // listener is stopped during shutdown, so events after that point are compared via the main log).
  const before = await pollUntil(
    () => {
      const r = recorded();
      return isDeepStrictEqual(sequences(r), PRE_SHUTDOWN) ? [...r] : undefined;
    },
    { what: 'the pre-shutdown events to be recorded', timeoutMs: 30_000, intervalMs: 50 },
  ).catch(() => [...recorded()]);
  expect(await d.rpc.call('supervisor.shutdown')).toBe(true);
  await withTimeout(d.exited, 60_000, 'the supervisor to exit after shutdown');
  return { orphanFree, before };
}

const PRE_SHUTDOWN: Record<string, string[]> = {
  crash: [
    'STARTING<STOPPED tries:0',
    'RUNNING<STARTING',
    'EXITED<RUNNING expected:0',
    'STARTING<EXITED tries:0',
    'RUNNING<STARTING',
  ],
  fatal: [
    'STARTING<STOPPED tries:0',
    'BACKOFF<STARTING tries:1',
    'STARTING<BACKOFF tries:1',
    'BACKOFF<STARTING tries:2',
    'STARTING<BACKOFF tries:2',
    'BACKOFF<STARTING tries:3',
    'FATAL<BACKOFF',
  ],
  expected: ['STARTING<STOPPED tries:0', 'RUNNING<STARTING', 'EXITED<RUNNING expected:1'],
  stubborn: ['STARTING<STOPPED tries:0', 'RUNNING<STARTING', 'STOPPING<RUNNING', 'STOPPED<STOPPING'],
  shgroup: ['STARTING<STOPPED tries:0', 'RUNNING<STARTING', 'STOPPING<RUNNING', 'STOPPED<STOPPING'],
  e1: ['STARTING<STOPPED tries:0', 'RUNNING<STARTING'],
  l1: ['STARTING<STOPPED tries:0', 'RUNNING<STARTING'],
};

/** Stop-related main-log lines, in order: what was signalled how, and how each stop ended. */
function stopLog(file: string): string[] {
  const out: string[] = [];
  const re =
    /(?:DEBG killing (\S+) \(pid \d+\)( process group)? with signal (\w+))|(?:WARN killing '(\S+)' \(\d+\) with SIGKILL)|(?:(?:INFO|WARN) stopped: (\S+) \((.*)\))/;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    if (m[1]) out.push(`signal ${m[1]}${m[2] ? ' (group)' : ''} ${m[3]}`);
    else if (m[4]) out.push(`SIGKILL ${m[4]}`);
    else out.push(`stopped ${m[5]} (${m[6]})`);
  }
  return out;
}

/** Per program: `EVENT<from [tries:N|expected:N]`, pids dropped. */
function sequences(events: readonly Recorded[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    const fields = Object.fromEntries(e.payload.split(' ').map((kv) => kv.split(':') as [string, string]));
    const name = fields.processname;
    if (name === 'recorder') continue;
    const extra =
      fields.tries !== undefined
        ? ` tries:${fields.tries}`
        : fields.expected !== undefined
          ? ` expected:${fields.expected}`
          : '';
    (out[name] ??= []).push(`${e.eventname.slice('PROCESS_STATE_'.length)}<${fields.from_state}${extra}`);
  }
  return out;
}

describe.skipIf(missing !== undefined)('state sequences: our supervisor vs supervisord 4.2.5', () => {
  it('crash, BACKOFF→FATAL, expected exit, SIGKILL escalation, killasgroup and group stop order match', async () => {
    const real = await prepare('supervisord');
    const ours = await prepare('ours');
    const sd = startSupervisord(real.ini, real.port, AUTH);
    daemons.push(sd);
    const od = await startOurDaemon(ours.ini, ours.port, AUTH);
    daemons.push(od);
    await settleAll([sd.ready(), od.ready()], 'supervisors to answer');
    const client = new SupervisorClient({ url: `http://127.0.0.1:${ours.port}`, ...AUTH });
    const ourEvents: Recorded[] = [];
    const stream = await client.events({ types: ['PROCESS_STATE_*'], afterSerial: 0 });
    const collecting = (async () => {
      try {
        for await (const e of stream) ourEvents.push({ eventname: e.type, payload: supervisordPayload(e)! });
      } catch {
        // The stream ends when our daemon exits.
      }
    })();

    const eventsFile = `${real.dir.path}/events.ndjson`;
    const realRecorded = (): Recorded[] =>
      existsSync(eventsFile)
        ? readFileSync(eventsFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Recorded)
        : [];
    const [realRun, ourRun] = await settleAll(
      [drive(sd, real.dir, realRecorded), drive(od, ours.dir, () => ourEvents)],
      'scenario runs',
    );
    await collecting;

    expect(sequences(realRun.before)).toEqual(PRE_SHUTDOWN);
    expect(sequences(ourRun.before)).toEqual(sequences(realRun.before));
    // Our stream also delivers the shutdown: groups one at a time from the highest priority.
    expect(sequences(ourEvents)).toEqual({
      ...PRE_SHUTDOWN,
      crash: [...PRE_SHUTDOWN.crash, 'STOPPING<RUNNING', 'STOPPED<STOPPING'],
      e1: [...PRE_SHUTDOWN.e1, 'STOPPING<RUNNING', 'STOPPED<STOPPING'],
      l1: [...PRE_SHUTDOWN.l1, 'STOPPING<RUNNING', 'STOPPED<STOPPING'],
    });
    // Stops as the main logs tell them: SIGKILL escalation for stubborn, the process-group SIGKILL
    // for shgroup, then shutdown order crash (999) → late:l1 (300) → early:e1 (100).
    const expectedStops = [
      'signal stubborn SIGTERM',
      'SIGKILL stubborn',
      'signal stubborn SIGKILL',
      'stopped stubborn (terminated by SIGKILL)',
      'signal shgroup SIGTERM',
      'SIGKILL shgroup',
      'signal shgroup (group) SIGKILL',
      'stopped shgroup (terminated by SIGKILL)',
      'signal crash SIGTERM',
      'stopped crash (terminated by SIGTERM)',
      'signal l1 SIGTERM',
      'stopped l1 (terminated by SIGTERM)',
      'signal e1 SIGTERM',
      'stopped e1 (terminated by SIGTERM)',
    ];
    expect(stopLog(`${real.dir.path}/supervisor.log`).filter((l) => !l.includes('recorder'))).toEqual(expectedStops);
    expect(stopLog(`${ours.dir.path}/supervisor.log`)).toEqual(expectedStops);
    // killasgroup: the shell's child died with it under both.
    expect(realRun.orphanFree).toBe(true);
    expect(ourRun.orphanFree).toBe(true);
  });
});
