// Helpers for supervisor tests: temp dirs that double as process markers, the scriptable test
// program, free loopback ports, a tiny XML-RPC client, the real supervisord (conformance oracle),
// and our daemon run from a freshly bundled CLI in another process.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { pollUntil } from '../../src/common/async.js';
import { parseResponse, renderCall, type XmlRpcValue } from '../../src/supervisor/control/xmlrpc-codec.js';
import { expectNoProcesses, expectRemoved } from './leaks.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The scriptable test program (see its header for the steps it understands). */
export const PROG = join(ROOT, 'test', 'fixtures-supervisor', 'prog.mjs');
/** The event listener that records supervisord's PROCESS_STATE events (conformance oracle). */
export const RECORDER = join(ROOT, 'test', 'fixtures-supervisor', 'event-recorder.mjs');

export const SUPERVISORD = '/usr/bin/supervisord';
export const SUPERVISORCTL = '/usr/bin/supervisorctl';

/** Why supervisord tests cannot run here, or undefined when they can. */
export function supervisordMissing(): string | undefined {
  if (!existsSync(SUPERVISORD) || !existsSync(SUPERVISORCTL))
    return `${SUPERVISORD} or ${SUPERVISORCTL} not installed (Debian package "supervisor")`;
  const v = spawnSync(SUPERVISORD, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0 || v.stdout.trim() !== '4.2.5')
    return `supervisord --version is ${JSON.stringify(v.stdout.trim() || v.stderr.trim())}, not 4.2.5`;
  return undefined;
}

/** A temp dir for one test; its path is also the marker that finds the test's processes. */
export class TestDir {
  readonly path: string;
  constructor(prefix = 'mt-sup-') {
    this.path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  }
  file(name: string, content?: string): string {
    const p = join(this.path, name);
    if (content !== undefined) writeFileSync(p, content);
    return p;
  }
  /** Asserts no process mentioning this dir is left, then removes it and asserts it is gone. */
  async cleanup(): Promise<void> {
    try {
      await expectNoProcesses(this.path, 15_000);
    } finally {
      rmSync(this.path, { recursive: true, force: true });
      expectRemoved(this.path);
    }
  }
}

/** A port the OS considers free right now (there is a small race; supervisord cannot bind port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Minimal XML-RPC client (what supervisorctl does, without Python). */
export class XmlRpc {
  constructor(
    readonly port: number,
    readonly auth?: { username: string; password: string },
  ) {}

  call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    const body = Buffer.from(renderCall(method, params));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: '/RPC2',
          method: 'POST',
          agent: false,
          headers: {
            'Content-Type': 'text/xml',
            'Content-Length': body.length,
            ...(this.auth
              ? {
                  Authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`,
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`${method}: HTTP ${res.statusCode}`));
            const r = parseResponse(Buffer.concat(chunks).toString('utf8'));
            if (r.fault)
              reject(Object.assign(new Error(r.faultString), { faultCode: r.faultCode, faultString: r.faultString }));
            else resolve(r.value);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** A supervisor daemon (real supervisord or ours) running in another process with `-n`. */
export class DaemonProcess {
  readonly output: string[] = [];
  readonly rpc: XmlRpc;
  exitCode: number | null | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
    auth?: { username: string; password: string },
  ) {
    this.rpc = new XmlRpc(port, auth);
    child.stdout?.on('data', (c: Buffer) => this.output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => this.output.push(c.toString()));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve();
      });
    });
  }

  /** Waits until the XML-RPC interface answers getState with RUNNING. */
  async ready(timeoutMs = 30_000): Promise<void> {
    await pollUntil(
      async () => {
        if (this.exitCode !== undefined)
          throw new Error(`daemon exited with ${this.exitCode}: ${this.output.join('')}`);
        const s = (await this.rpc.call('supervisor.getState')) as { statename: string };
        return s.statename === 'RUNNING';
      },
      { what: `supervisor on port ${this.port} to answer`, timeoutMs, intervalMs: 50 },
    );
  }

  /** SIGTERM, then wait for exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** Starts the real supervisord 4.2.5 in the foreground. */
export function startSupervisord(
  ini: string,
  port: number,
  auth?: { username: string; password: string },
): DaemonProcess {
  const child = spawn(SUPERVISORD, ['-n', '-c', ini], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new DaemonProcess(child, port, auth);
}

let bundled: Promise<string> | undefined;
let bundleDir: string | undefined;

/** Bundles src/cli/main.ts once per test file into a temp dir (removed by {@link removeCliBundle}). */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    bundleDir = mkdtempSync(join(tmpdir(), 'mt-sup-cli-'));
    const out = join(bundleDir, 'main.mjs');
    await build({
      entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
      absWorkingDir: ROOT,
      // Bundled CommonJS dependencies (debug) call require(); give the ESM bundle one.
      banner: {
        js: "import { createRequire as __mtRequire } from 'node:module'; const require = __mtRequire(import.meta.url);",
      },
    });
    return out;
  })();
  return bundled;
}

export function removeCliBundle(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  bundled = undefined;
  bundleDir = undefined;
}

/** Starts our daemon (`mongo-topology supervisord -n -c ini`) from the bundled CLI. */
export async function startOurDaemon(
  ini: string,
  port: number,
  auth?: { username: string; password: string },
  extraArgs: string[] = ['-n'],
): Promise<DaemonProcess> {
  const main = await cliBundle();
  const child = spawn(process.execPath, [main, 'supervisord', '-c', ini, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new DaemonProcess(child, port, auth);
}
