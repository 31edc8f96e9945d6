// The INI we render means the same to the real supervisord 4.2.5 as to us: same getAllConfigInfo,
// same argv, environment, directory and umask in the children; and our XML-RPC surface lists the
// same methods with the same signatures.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pollUntil, settleAll } from '../../../src/common/async.js';
import { renderIni, type IniFileSpec } from '../../../src/supervisor/config/render.js';
import {
  PROG,
  TestDir,
  freePort,
  removeCliBundle,
  startOurDaemon,
  startSupervisord,
  supervisordMissing,
  type DaemonProcess,
} from '../../helpers/supervisor.js';

const missing = supervisordMissing();
if (missing) console.warn(`skipping supervisord config conformance tests: ${missing}`);

const AUTH = { username: 'cfg', password: 'cfg-pass' };
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

export const TRICKY_ARGS = [
  'a b',
  "it's",
  'say "hi"',
  'x ;y',
  '#z',
  'c#d',
  '100%',
  '%(here)s',
  'back\\slash',
  '',
  'tab\there',
  'ünï',
];
export const TRICKY_ENV = {
  SPACED: 'a b c',
  COMMA: 'x,y=z',
  QUOTE: "it's",
  DQUOTE: 'say "hi" there',
  PERCENT: '50%',
  BACKSLASH: 'C:\\dir',
  EMPTY: '',
  HASH: '#not a comment',
};

function spec(base: string, port: number): IniFileSpec {
  return {
    supervisord: {
      nodaemon: true,
      logfile: `${base}/supervisor.log`,
      pidfile: `${base}/supervisor.pid`,
      childlogdir: base,
      identifier: 'cfgconf',
      silent: true,
      environment: { GLOBAL: 'from supervisord', SPACED: 'overridden by program' },
    },
    inetHttpServer: { host: '127.0.0.1', port, ...AUTH },
    supervisorctl: { serverurl: `http://127.0.0.1:${port}`, ...AUTH },
    groups: [{ name: 'pool', programs: ['worker'], priority: 7 }],
    programs: [
      {
        name: 'dump',
        command: [PROG, 'env', 'forever', '--', ...TRICKY_ARGS],
        directory: base,
        umask: 0o27,
        environment: TRICKY_ENV,
        startsecs: 0,
        stopsignal: 'INT',
        exitcodes: [0, 3],
        autorestart: true,
        startretries: 5,
        stopwaitsecs: 4,
        stdoutLogfile: `${base}/dump 100%.log`,
        stdoutLogfileMaxbytes: 3 * 1024 * 1024,
        stdoutLogfileBackups: 2,
        stderrLogfile: null,
        ready: { kind: 'log-id', id: 23016, attr: { note: '5%' } },
        dependsOn: ['base'],
        extensions: { x_owner: 'mongo-topology' },
      },
      { name: 'base', command: [PROG, 'forever'], directory: base, startsecs: 0 },
      {
        name: 'worker',
        command: [PROG, 'env', 'forever'],
        numprocs: 2,
        processName: '%(program_name)s_%(process_num)02d',
        directory: base,
        priority: 3,
        startsecs: 0,
        autostart: false,
        redirectStderr: true,
        stopasgroup: true,
        stdoutEventsEnabled: true,
      },
    ],
  };
}

async function start(kind: 'real' | 'ours'): Promise<{ d: DaemonProcess; dir: TestDir }> {
  const dir = new TestDir(`mt-sup-cfg-${kind}-`);
  dirs.push(dir);
  const port = await freePort();
  const ini = dir.file('supervisor.ini', renderIni(spec(dir.path, port)));
  const d = kind === 'real' ? startSupervisord(ini, port, AUTH) : await startOurDaemon(ini, port, AUTH);
  daemons.push(d);
  await d.ready();
  return { d, dir };
}

/** Replaces the run's own paths and port so two runs compare equal. */
function normalise(v: unknown, dir: string, port: number): unknown {
  return JSON.parse(
    JSON.stringify(v)
      .replaceAll(dir, 'DIR')
      .replaceAll(String(port), 'PORT')
      .replace(/---cfgconf-[a-z0-9_]+\.log/g, '---cfgconf-RANDOM.log'),
  );
}

async function envDump(
  d: DaemonProcess,
  name: string,
): Promise<{ argv: string[]; cwd: string; env: Record<string, string>; umask: number }> {
  const text = await pollUntil(
    async () => ((await d.rpc.call('supervisor.readProcessStdoutLog', name, 0, 0)) as string) || undefined,
    {
      what: `${name} to print its environment`,
      timeoutMs: 30_000,
    },
  );
  return JSON.parse(text.split('\n')[0]) as {
    argv: string[];
    cwd: string;
    env: Record<string, string>;
    umask: number;
  };
}

describe.skipIf(missing !== undefined)('rendered INI under supervisord 4.2.5 and under ours', () => {
  it('gives the same config info and the same child argv, environment, directory and umask', async () => {
    const [real, ours] = await settleAll([start('real'), start('ours')], 'supervisors to start');
    const port = (x: DaemonProcess) => x.port;
    const cfgReal = normalise(await real.d.rpc.call('supervisor.getAllConfigInfo'), real.dir.path, port(real.d));
    const cfgOurs = normalise(await ours.d.rpc.call('supervisor.getAllConfigInfo'), ours.dir.path, port(ours.d));
    expect(cfgOurs).toEqual(cfgReal);
    expect((cfgReal as { name: string }[]).map((c) => c.name)).toEqual(['base', 'dump', 'worker_00', 'worker_01']);

    const [a, b] = await Promise.all([envDump(real.d, 'dump'), envDump(ours.d, 'dump')]);
    expect(a.argv.slice(3)).toEqual(TRICKY_ARGS);
    expect(b.argv).toEqual(a.argv);
    expect(normalise(b.cwd, ours.dir.path, 0)).toEqual(normalise(a.cwd, real.dir.path, 0));
    expect(a.umask).toBe(0o27);
    expect(b.umask).toBe(a.umask);
    const pick = (env: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(env).filter(([k]) => k in TRICKY_ENV || k === 'GLOBAL' || k.startsWith('SUPERVISOR_')),
      );
    expect(normalise(pick(b.env), ours.dir.path, port(ours.d))).toEqual(
      normalise(pick(a.env), real.dir.path, port(real.d)),
    );
    expect(pick(a.env)).toMatchObject({
      ...TRICKY_ENV,
      GLOBAL: 'from supervisord',
      SUPERVISOR_ENABLED: '1',
      SUPERVISOR_PROCESS_NAME: 'dump',
      SUPERVISOR_GROUP_NAME: 'dump',
    });
    expect(readFileSync(`${real.dir.path}/dump 100%.log`, 'utf8')).toContain('"SPACED":"a b c"');

    const started = await Promise.all([
      real.d.rpc.call('supervisor.startProcessGroup', 'pool'),
      ours.d.rpc.call('supervisor.startProcessGroup', 'pool'),
    ]);
    expect(started[1]).toEqual(started[0]);
    const [wa, wb] = await Promise.all([envDump(real.d, 'pool:worker_01'), envDump(ours.d, 'pool:worker_01')]);
    expect(wb.env.SUPERVISOR_PROCESS_NAME).toBe(wa.env.SUPERVISOR_PROCESS_NAME);
    expect(wb.env.SUPERVISOR_GROUP_NAME).toBe('pool');
  });

  it('lists the same XML-RPC methods with the same signatures', async () => {
    const [real, ours] = await settleAll([start('real'), start('ours')], 'supervisors to start');
    const methods = (await real.d.rpc.call('system.listMethods')) as string[];
    expect(await ours.d.rpc.call('system.listMethods')).toEqual(methods);
    const sigs = async (d: DaemonProcess) => Promise.all(methods.map((m) => d.rpc.call('system.methodSignature', m)));
    expect(await sigs(ours.d)).toEqual(await sigs(real.d));
    const multicall = [
      { methodName: 'supervisor.getAPIVersion', params: [] },
      { methodName: 'supervisor.getProcessInfo', params: ['nope'] },
      { methodName: 'supervisor.getState', params: [] },
      { methodName: 'system.multicall', params: [[]] },
    ];
    expect(await ours.d.rpc.call('system.multicall', multicall)).toEqual(
      await real.d.rpc.call('system.multicall', multicall),
    );
    for (const bad of [
      ['supervisor.getState', 'extra'],
      ['supervisor.nope'],
      ['nonamespace'],
      ['supervisor.startProcess', 'nope'],
      ['supervisor.stopProcess', 'dump', true, 'x'],
      ['supervisor.readProcessStdoutLog', 'dump', -5, 3],
      ['supervisor.signalProcess', 'dump', 'NOSUCH'],
      ['supervisor.removeProcessGroup', 'dump'],
      ['supervisor.addProcessGroup', 'dump'],
    ] as const) {
      const [method, ...params] = bad;
      const fault = async (d: DaemonProcess) =>
        d.rpc.call(method, ...params).then(
          (v) => ({ ok: v }),
          (e: { faultCode: number; faultString: string }) => ({ faultCode: e.faultCode, faultString: e.faultString }),
        );
      expect({ method, ...(await fault(ours.d)) }).toEqual({ method, ...(await fault(real.d)) });
    }
  });
});
