// The control server attached to an in-process Supervisor: auth, JSON API through the typed client,
// XML-RPC, /logtail, /metrics; and the same SupervisorControl code driving a local supervisor and
// a remote one.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { StartupTimeoutError, SupervisorError } from '../../../src/errors.js';
import { SupervisorClient } from '../../../src/supervisor/control/client.js';
import { ControlServer } from '../../../src/supervisor/control/http-server.js';
import type { SupervisorControl } from '../../../src/supervisor/control/types.js';
import { RpcFault } from '../../../src/supervisor/faults.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import { PROG, TestDir, XmlRpc } from '../../helpers/supervisor.js';
import { withTimeout } from '../../../src/common/async.js';

let dir: TestDir | undefined;
let sup: Supervisor | undefined;
let server: ControlServer | undefined;
afterEach(async () => {
  await server?.close();
  await sup?.close();
  server = undefined;
  sup = undefined;
  await dir?.cleanup();
  dir = undefined;
});

const AUTH = { username: 'mt', password: 'pw:with:colons' };

async function setup() {
  dir = new TestDir();
  sup = new Supervisor({
    childLogDir: dir.path,
    identifier: 'ctl',
    programs: [
      {
        name: 'db',
        command: [PROG, 'print:booting', 'sleep:150', 'json:23016', 'forever'],
        directory: dir.path,
        startsecs: 0,
        ready: { kind: 'log-id', id: 23016 },
      },
      {
        name: 'app',
        command: [PROG, 'print:app', 'forever'],
        directory: dir.path,
        startsecs: 0,
        dependsOn: ['db'],
        ready: { kind: 'log', pattern: '^app$' },
      },
      { name: 'idle', command: [PROG, 'forever'], directory: dir.path, autostart: false },
    ],
    groups: [{ name: 'svc', programs: ['app', 'idle'] }],
  });
  sup.startSupervisor();
  server = await ControlServer.start(sup, AUTH);
  const client = new SupervisorClient({ url: server.url, ...AUTH });
  return { sup, server, client };
}

function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** One scenario written against the interface, run against local and remote supervisors alike. */
async function scenario(control: SupervisorControl): Promise<void> {
  const events = await control.events({ types: ['PROCESS_STATE_*', 'PROCESS_READY'], names: ['svc:app'] });
  const ready = await control.waitReady('svc:app', { timeoutMs: 20_000 });
  const lines = await control.lines('svc:app', { from: 'now' });
  expect(ready).toMatchObject({ name: 'svc:app', group: 'svc', processName: 'app', ready: true });
  const [restarted] = await control.restart('svc:app', { timeoutMs: 20_000 });
  expect(restarted.state).toBe('RUNNING');
  expect(restarted.pid).not.toBe(ready.pid);
  // The line stream started "now": it sees the restarted incarnation's line, tagged with its pid.
  const line = await withTimeout(lines.next(), 20_000, 'a line from svc:app');
  expect(line.value).toMatchObject({ name: 'svc:app', text: 'app', pid: restarted.pid });
  await lines.return?.();
  const seen: string[] = [];
  for await (const e of events) {
    seen.push(e.type);
    if (e.type === 'PROCESS_STATE_RUNNING' && seen.includes('PROCESS_STATE_STOPPED')) break;
  }
  expect(seen).toEqual(
    expect.arrayContaining([
      'PROCESS_STATE_STOPPING',
      'PROCESS_STATE_STOPPED',
      'PROCESS_STATE_STARTING',
      'PROCESS_STATE_RUNNING',
    ]),
  );
  expect(await control.tail('svc:app')).toBe('app\napp\n');
  const stopped = await control.stop('svc:*');
  expect(stopped.map((p) => [p.name, p.state])).toEqual([
    ['svc:app', 'STOPPED'],
    ['svc:idle', 'STOPPED'],
  ]);
  await expect(control.info('nope')).rejects.toBeInstanceOf(RpcFault);
  await expect(control.info('nope')).rejects.toMatchObject({ faultCode: 10, faultString: 'BAD_NAME: nope' });
  await expect(control.waitFor('svc:idle', { state: 'RUNNING', timeoutMs: 100 })).rejects.toBeInstanceOf(
    StartupTimeoutError,
  );
  const [m] = await control.metrics('db');
  expect(m).toMatchObject({ name: 'db', state: 'RUNNING', ready: true });
  expect(m.rssBytes).toBeGreaterThan(0);
}

describe('control server', () => {
  it('the same SupervisorControl code drives the in-process supervisor', async () => {
    const { sup } = await setup();
    await scenario(sup);
  });

  it('the same SupervisorControl code drives it through the JSON client', async () => {
    const { client } = await setup();
    await scenario(client);
  });

  it('requires basic auth on every route, like supervisord', async () => {
    const { server } = await setup();
    const r = await rawGet(server.url, '/metrics');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="default"');
    const bad = new SupervisorClient({ url: server.url, username: 'mt', password: 'wrong' });
    await expect(bad.status()).rejects.toMatchObject({ code: 'MT_SUPERVISOR_AUTH' });
    await expect(new XmlRpc(server.port).call('supervisor.getState')).rejects.toThrow('HTTP 401');
    const ok = await rawGet(server.url, '/metrics', {
      Authorization: `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.body).toContain('supervisor_up{identifier="ctl"} 1');
    expect(ok.body).toMatch(/supervisor_process_state\{name="db",group="db"\} (10|20)/);
  });

  it('serves supervisord XML-RPC and /logtail', async () => {
    const { server, sup } = await setup();
    await sup.waitReady('db', { timeoutMs: 20_000 });
    const rpc = new XmlRpc(server.port, AUTH);
    const all = (await rpc.call('supervisor.getAllProcessInfo')) as {
      name: string;
      group: string;
      statename: string;
    }[];
    expect(all.map((p) => `${p.group}:${p.name}`)).toEqual(['db:db', 'svc:app', 'svc:idle']);
    expect(await rpc.call('supervisor.getProcessInfo', 'svc:idle')).toMatchObject({
      statename: 'STOPPED',
      description: 'Not started',
      pid: 0,
      exitstatus: 0,
    });
    await expect(rpc.call('supervisor.stopProcess', 'svc:idle')).rejects.toMatchObject({
      faultCode: 70,
      faultString: 'NOT_RUNNING: svc:idle',
    });
    expect(await rpc.call('supervisor.readProcessStdoutLog', 'db', 0, 8)).toBe('booting\n');
    expect(await rpc.call('supervisor.readProcessStdoutLog', 'db', -8, 0)).toBe('"off"}}\n');
    const tail = (await rpc.call('supervisor.tailProcessStdoutLog', 'db', 0, 5)) as [string, number, boolean];
    expect(tail[2]).toBe(true);
    const auth = { Authorization: `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}` };
    expect((await rawGet(server.url, '/logtail/nope/stdout', auth)).status).toBe(404);
    const stream = await new Promise<string>((resolve, reject) => {
      const req = request(`${server.url}/logtail/db/stdout`, { headers: auth, agent: false }, (res) => {
        expect(res.headers['transfer-encoding']).toBe('chunked');
        res.once('data', (c: Buffer) => {
          resolve(c.toString());
          req.destroy();
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(stream).toContain('booting\n');
  });

  it('also serves a unix socket (supervisord [unix_http_server]) that the client can use', async () => {
    const { sup } = await setup();
    const sock = `${dir!.path}/s.sock`;
    const unix = await ControlServer.start(sup, { port: null, unixSocket: { path: sock, chmod: 0o700 } });
    try {
      expect(unix.url).toBe(`unix://${sock}`);
      const client = new SupervisorClient({ url: unix.url });
      expect((await client.getStatus()).state).toBe('RUNNING');
      expect((await client.status()).map((p) => p.name)).toEqual(['db', 'svc:app', 'svc:idle']);
    } finally {
      await unix.close();
    }
  });

  it('await using stops every program and reaps every child', async () => {
    dir = new TestDir();
    let pid = 0;
    {
      await using s = new Supervisor({
        childLogDir: dir.path,
        programs: [{ name: 'x', command: [PROG, 'forever'], directory: dir.path, startsecs: 0 }],
      });
      s.startSupervisor();
      pid = (await s.waitFor('x', { state: 'RUNNING', timeoutMs: 20_000 })).pid;
    }
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('only binds loopback and rejects half-configured auth', async () => {
    const s = new Supervisor({});
    try {
      await expect(ControlServer.start(s, { host: '0.0.0.0' })).rejects.toBeInstanceOf(SupervisorError);
      await expect(ControlServer.start(s, { username: 'u' })).rejects.toBeInstanceOf(SupervisorError);
    } finally {
      await s.close();
    }
  });
});
