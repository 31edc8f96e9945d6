// The real supervisorctl (4.2.5) drives both the real supervisord and our daemon with the same
// commands; outputs and exit codes must match after normalising pids, uptimes and dates.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pollUntil, settleAll } from '../../../src/common/async.js';
import { renderIni } from '../../../src/supervisor/config/render.js';
import {
  PROG,
  SUPERVISORCTL,
  TestDir,
  freePort,
  removeCliBundle,
  startOurDaemon,
  startSupervisord,
  supervisordMissing,
  type DaemonProcess,
} from '../../helpers/supervisor.js';

const missing = supervisordMissing();
if (missing) console.warn(`skipping supervisorctl conformance tests: ${missing}`);

const AUTH = { username: 'ctl', password: 'ctl-pass' };
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

async function prepare(kind: string) {
  const dir = new TestDir(`mt-sup-ctl-${kind}-`);
  dirs.push(dir);
  const port = await freePort();
  const ini = dir.file(
    'supervisor.ini',
    renderIni({
      supervisord: {
        nodaemon: true,
        logfile: `${dir.path}/supervisor.log`,
        pidfile: `${dir.path}/supervisor.pid`,
        childlogdir: dir.path,
        identifier: 'ctl',
        silent: true,
      },
      inetHttpServer: { host: '127.0.0.1', port, ...AUTH },
      supervisorctl: { serverurl: `http://127.0.0.1:${port}`, ...AUTH },
      groups: [{ name: 'tier', programs: ['g1', 'g2'], priority: 50 }],
      programs: [
        {
          name: 'alpha',
          command: [PROG, 'ignore:USR1', 'lines:40:30', 'print:ready', 'forever'],
          directory: dir.path,
          startsecs: 1,
          stderrLogfile: `${dir.path}/alpha.err`,
        },
        { name: 'beta', command: [PROG, 'forever'], directory: dir.path, startsecs: 1, autostart: false },
        { name: 'g1', command: [PROG, 'forever'], directory: dir.path, startsecs: 1, priority: 1 },
        { name: 'g2', command: [PROG, 'forever'], directory: dir.path, startsecs: 1, priority: 2 },
      ],
    }),
  );
  return { dir, port, ini };
}

function ctl(ini: string, ...args: string[]): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SUPERVISORCTL, ['-c', ini, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ out: normalise(out), code });
    });
  });
}

function normalise(s: string): string {
  return s
    .replace(/pid \d+, uptime \d+:\d\d:\d\d/g, 'pid N, uptime T')
    .replace(/^\d+$/gm, 'N')
    .replace(/[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M/g, 'DATE');
}

/** supervisorctl tail -f: the first chunk it prints, then it is stopped. */
function tailFollowFirstChunk(ini: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(SUPERVISORCTL, ['-c', ini, 'tail', '-f', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tail -f printed nothing useful: ${out}`));
    }, 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready\n')) {
        clearTimeout(t);
        child.kill('SIGTERM');
        resolve(out.slice(out.indexOf('\n') + 1));
      }
    });
    child.on('error', reject);
  });
}

const SCRIPT: readonly string[][] = [
  ['status'],
  ['status', 'alpha', 'nope'],
  ['status', 'tier:*'],
  ['pid'],
  ['pid', 'alpha'],
  ['pid', 'all'],
  ['start', 'beta'],
  ['start', 'beta'],
  ['stop', 'beta'],
  ['stop', 'beta'],
  ['start', 'nope'],
  ['restart', 'alpha'],
  ['signal', 'USR1', 'alpha'],
  ['signal', 'BOGUS', 'alpha'],
  ['signal', 'HUP', 'beta'],
  ['stop', 'tier:*'],
  ['start', 'tier:*'],
  ['stop', 'all'],
  ['start', 'all'],
  ['tail', 'alpha'],
  ['tail', '-20', 'alpha'],
  ['tail', 'alpha', 'stderr'],
  ['tail', 'nope'],
  ['avail'],
  ['version'],
];

/** Waits until no process is STARTING (supervisord promotes on its 1 s tick, we on exact timers). */
function settled(d: DaemonProcess): Promise<unknown> {
  return pollUntil(
    async () =>
      ((await d.rpc.call('supervisor.getAllProcessInfo')) as { statename: string }[]).every(
        (p) => p.statename !== 'STARTING',
      ),
    {
      what: 'no program to be STARTING',
      timeoutMs: 30_000,
    },
  );
}

describe.skipIf(missing !== undefined)('supervisorctl against our daemon and supervisord 4.2.5', () => {
  it('prints the same output with the same exit codes for every command', async () => {
    const real = await prepare('real');
    const ours = await prepare('ours');
    const sd = startSupervisord(real.ini, real.port, AUTH);
    daemons.push(sd);
    const od = await startOurDaemon(ours.ini, ours.port, AUTH);
    daemons.push(od);
    await settleAll([sd.ready(), od.ready()], 'supervisors to answer');
    // Let both reach a steady state: everything autostarted is RUNNING.
    await Promise.all([sd, od].map((d) => settled(d)));
    for (const cmd of SCRIPT) {
      const [a, b] = await Promise.all([ctl(real.ini, ...cmd), ctl(ours.ini, ...cmd)]);
      // For several processes at once supervisord reports them in the order its polling noticed
      // them, which varies from run to run; compare those line sets, everything else exactly.
      const several = cmd.includes('all') || cmd.some((c) => c.endsWith(':*'));
      const view = (r: { out: string; code: number | null }) =>
        several ? { ...r, out: r.out.split('\n').sort().join('\n') } : r;
      expect({ cmd: cmd.join(' '), ...view(b) }).toEqual({ cmd: cmd.join(' '), ...view(a) });
    }
    const [fa, fb] = await Promise.all([
      tailFollowFirstChunk(real.ini, 'alpha'),
      tailFollowFirstChunk(ours.ini, 'alpha'),
    ]);
    expect(fb).toBe(fa);
    // Edit both files: a new program, and beta changed by a repeated section (ConfigParser merges it).
    for (const { ini, dir } of [real, ours]) {
      appendFileSync(
        ini,
        `\n[program:gamma]\ncommand=${PROG} forever\ndirectory=${dir.path}\nstartsecs=1\n\n[program:beta]\npriority=10\n`,
      );
    }
    // What supervisord prints after the edit (asserted so equal output can never mean equal errors).
    const afterEdit: [string[], string | undefined][] = [
      [['reread'], 'beta: changed\ngamma: available\n'],
      [['update'], 'beta: stopped\nbeta: updated process group\ngamma: added process group\n'],
      [['avail'], undefined],
      [['status'], undefined],
      [['reread'], 'No config updates to processes\n'],
    ];
    for (const [cmd, expected] of afterEdit) {
      if (cmd[0] === 'status') await Promise.all([sd, od].map((d) => settled(d)));
      const [a, b] = await Promise.all([ctl(real.ini, ...cmd), ctl(ours.ini, ...cmd)]);
      if (expected !== undefined) expect(a.out).toBe(expected);
      expect({ cmd: cmd.join(' '), ...b }).toEqual({ cmd: cmd.join(' '), ...a });
    }
    const [sa, sb] = await Promise.all([ctl(real.ini, 'shutdown'), ctl(ours.ini, 'shutdown')]);
    expect(sb).toEqual(sa);
    expect(sa).toEqual({ out: 'Shut down\n', code: 0 });
    await settleAll([sd.exited, od.exited], 'both daemons to exit');
    // After shutdown both refuse connections the same way.
    const [ra, rb] = await Promise.all([ctl(real.ini, 'status'), ctl(ours.ini, 'status')]);
    expect(rb.code).toBe(ra.code);
    expect(rb.out.replace(String(ours.port), 'PORT')).toBe(ra.out.replace(String(real.port), 'PORT'));
  });
});
