// Our daemon (`mongo-topology supervisord -c <ini>`) in another process, driven by the typed JSON
// client: the setup-process/test-process split the project relies on.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pollUntil, withTimeout } from '../../../src/common/async.js';
import { SupervisorClient } from '../../../src/supervisor/control/client.js';
import { renderIni, type ProgramSpec } from '../../../src/supervisor/config/render.js';
import {
  PROG,
  TestDir,
  cliBundle,
  freePort,
  removeCliBundle,
  startOurDaemon,
  type DaemonProcess,
} from '../../helpers/supervisor.js';

let dir: TestDir | undefined;
let daemon: DaemonProcess | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await dir?.cleanup();
  dir = undefined;
});
afterAll(() => removeCliBundle());

const AUTH = { username: 'mt', password: 'secret' };

async function writeIni(programs: ProgramSpec[], extra: { nodaemon?: boolean } = {}) {
  dir = new TestDir();
  const port = await freePort();
  const ini = dir.file(
    'supervisor.ini',
    renderIni({
      supervisord: {
        nodaemon: extra.nodaemon ?? true,
        logfile: `${dir.path}/supervisor.log`,
        pidfile: `${dir.path}/supervisor.pid`,
        childlogdir: dir.path,
        identifier: 'itest',
        silent: true,
      },
      inetHttpServer: { host: '127.0.0.1', port, ...AUTH },
      supervisorctl: { serverurl: `http://127.0.0.1:${port}`, ...AUTH },
      programs: programs.map((p) => ({ directory: dir!.path, ...p })),
    }),
  );
  return { ini, port, client: new SupervisorClient({ url: `http://127.0.0.1:${port}`, ...AUTH }) };
}

describe('daemon', () => {
  it('runs from an INI with x_ readiness and dependencies, and obeys the JSON client', async () => {
    const { ini, port, client } = await writeIni([
      {
        name: 'cfg',
        command: [PROG, 'sleep:100', 'json:23016:27019', 'forever'],
        startsecs: 0,
        ready: { kind: 'log-id', id: 23016 },
      },
      {
        name: 'router',
        command: [PROG, 'print:routing', 'forever'],
        startsecs: 0,
        dependsOn: ['cfg'],
        stopasgroup: true,
      },
    ]);
    daemon = await startOurDaemon(ini, port, AUTH);
    await daemon.ready();
    const router = await client.waitReady('router', { timeoutMs: 20_000 });
    const cfg = await client.info('cfg');
    expect(cfg.ready).toBe(true);
    expect(router.startTime).toBeGreaterThanOrEqual(cfg.startTime);
    expect(readFileSync(`${dir!.path}/supervisor.pid`, 'utf8').trim()).toBe(String(daemon.child.pid));
    expect(readFileSync(`${dir!.path}/supervisor.log`, 'utf8')).toMatch(
      /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO supervisord started with pid \d+/,
    );

    const events = await client.events({ types: ['PROCESS_STATE_*'], names: ['router'] });
    process.kill(router.pid, 'SIGKILL');
    const next = await client.waitFor('router', { state: 'RUNNING', notPid: router.pid, timeoutMs: 20_000 });
    expect(next.restartCount).toBe(1);
    const seen: string[] = [];
    for await (const e of events) {
      seen.push(`${e.type.slice(14)}<${(e as { fromState: string }).fromState}`);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['EXITED<RUNNING', 'STARTING<EXITED', 'RUNNING<STARTING']);
    const metrics = await client.metrics();
    expect(metrics.map((m) => [m.name, m.state])).toEqual([
      ['cfg', 'RUNNING'],
      ['router', 'RUNNING'],
    ]);

    await client.shutdown();
    await withTimeout(daemon.exited, 30_000, 'the daemon to exit after shutdown');
    expect(daemon.exitCode).toBe(0);
    expect(existsSync(`${dir!.path}/supervisor.pid`)).toBe(false);
    const log = readFileSync(`${dir!.path}/supervisor.log`, 'utf8');
    // Dependents stop first.
    expect(log.indexOf('stopped: router')).toBeLessThan(log.indexOf('stopped: cfg'));
  });

  it('daemonizes without -n: the CLI returns once the background daemon wrote its pidfile', async () => {
    const { ini, client } = await writeIni([{ name: 'p', command: [PROG, 'forever'], startsecs: 0 }], {
      nodaemon: false,
    });
    const main = await cliBundle();
    const cli = spawn(process.execPath, [main, 'supervisord', '-c', ini], { stdio: 'ignore' });
    const code = await new Promise<number | null>((r) => cli.on('exit', r));
    expect(code).toBe(0);
    const pid = Number(readFileSync(`${dir!.path}/supervisor.pid`, 'utf8'));
    expect(pid).not.toBe(cli.pid);
    await client.waitFor('p', { state: 'RUNNING', timeoutMs: 20_000 });
    await client.shutdown();
    await pollUntil(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { what: `daemon pid ${pid} to exit`, timeoutMs: 30_000 },
    );
  });

  it('refuses a bad config with exit status 2 and a message naming file and line', async () => {
    dir = new TestDir();
    const ini = dir.file('bad.ini', '[supervisord]\n[program:x]\ncommand=/bin/true\nautostart=perhaps\n');
    const main = await cliBundle();
    const cli = spawn(process.execPath, [main, 'supervisord', '-c', ini, '-n'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    cli.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => cli.on('exit', r));
    expect(code).toBe(2);
    expect(stderr).toContain(`${ini}:4`);
    expect(stderr).toContain("not a valid boolean value: 'perhaps'");
  });

  it('SIGHUP restarts every program; reloadConfig reports what an edited file changes', async () => {
    const { ini, port, client } = await writeIni([{ name: 'p', command: [PROG, 'forever'], startsecs: 0 }]);
    daemon = await startOurDaemon(ini, port, AUTH);
    await daemon.ready();
    const before = await client.waitFor('p', { state: 'RUNNING', timeoutMs: 20_000 });
    daemon.child.kill('SIGHUP');
    const after = await client.waitFor('p', { state: 'RUNNING', notPid: before.pid, timeoutMs: 20_000 });
    expect(after.spawnCount).toBe(1);
    expect(readFileSync(`${dir!.path}/supervisor.log`, 'utf8')).toContain('received SIGHUP indicating restart request');
    const text = readFileSync(ini, 'utf8');
    writeFileSync(
      ini,
      `${text}\n[program:q]\ncommand=${PROG} forever\ndirectory=${dir!.path}\nstartsecs=0\n`.replace(
        '[program:p]\ncommand=',
        '[program:p]\npriority=5\ncommand=',
      ),
    );
    expect(await daemon.rpc.call('supervisor.reloadConfig')).toEqual([[['q'], ['p'], []]]);
    expect(await daemon.rpc.call('supervisor.addProcessGroup', 'q')).toBe(true);
    await client.waitFor('q', { state: 'RUNNING', timeoutMs: 20_000 });
    await expect(daemon.rpc.call('supervisor.removeProcessGroup', 'q')).rejects.toMatchObject({ faultCode: 91 });
  });

  it('SIGTERM stops every program and exits', async () => {
    const { ini, port, client } = await writeIni([{ name: 'p', command: [PROG, 'forever'], startsecs: 0 }]);
    daemon = await startOurDaemon(ini, port, AUTH);
    await daemon.ready();
    const p = await client.waitFor('p', { state: 'RUNNING', timeoutMs: 20_000 });
    daemon.child.kill('SIGTERM');
    await withTimeout(daemon.exited, 30_000, 'the daemon to exit on SIGTERM');
    expect(daemon.exitCode).toBe(0);
    expect(() => process.kill(p.pid, 0)).toThrow();
    expect(readFileSync(`${dir!.path}/supervisor.log`, 'utf8')).toContain('received SIGTERM indicating exit request');
  });
});
