// Test-only helpers to run the simulated mongod (fixtures/bin/mongod) the way tools do: by path, with
// argument arrays, in a per-test temp dir, port from log id 23016. Also a replica-set starter. The
// product's own boot code must never import this (it is another slice's job and must not depend on tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient, type Document } from 'mongodb';
import { pollUntil, withTimeout } from '../../src/common/async.js';
import { rawCommand } from './wire.js';

export const MONGOD_BIN = resolve(import.meta.dirname, '../../fixtures/bin/mongod');

export interface LogLine {
  readonly t: { $date: string };
  readonly s: string;
  readonly c: string;
  readonly id: number;
  readonly ctx: string;
  readonly msg: string;
  readonly attr?: Record<string, any>;
  readonly tags?: string[];
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A fresh temp dir under os.tmpdir(); use it as the process marker for leak checks. */
export function makeTempDir(prefix = 'mt-sim-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs mongod to completion (for --version, option errors, startup failures). */
export function runMongod(
  args: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<ExitInfo & { stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(MONGOD_BIN, args, {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(
        new Error(
          `mongod ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 20_000}ms; stdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? 20_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

export function parseLogLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

export interface NodeOptions {
  /** Directory for this node (dbPath is `<dir>/db` unless `dbPath` is given). */
  readonly dir: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Explicit port (restart on the same port); default `--port 0`. */
  readonly port?: number;
  readonly dbPath?: string;
  readonly replSet?: string;
  readonly timeoutMs?: number;
  /** Listen on a unix socket in this directory too (default: `--nounixsocket`). */
  readonly unixSocketPrefix?: string;
}

/** One running simulated mongod. */
export class SimNode {
  readonly proc: ChildProcess;
  readonly opts: NodeOptions;
  readonly dbPath: string;
  port = 0;
  stdout = '';
  stderr = '';
  readonly lines: LogLine[] = [];
  readonly exited: Promise<ExitInfo>;
  #exit: ExitInfo | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(opts: NodeOptions) {
    this.opts = opts;
    this.dbPath = opts.dbPath ?? join(opts.dir, 'db');
    mkdirSync(this.dbPath, { recursive: true });
    const args = [
      '--port',
      String(opts.port ?? 0),
      '--dbpath',
      this.dbPath,
      '--bind_ip',
      '127.0.0.1',
      ...(opts.unixSocketPrefix ? ['--unixSocketPrefix', opts.unixSocketPrefix] : ['--nounixsocket']),
      ...(opts.replSet ? ['--replSet', opts.replSet] : []),
      ...(opts.args ?? []),
    ];
    this.proc = spawn(MONGOD_BIN, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    this.proc.stdout!.on('data', (c: Buffer) => {
      const s = c.toString();
      this.stdout += s;
      pending += s;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const l of parts) {
        if (!l.startsWith('{')) continue;
        try {
          this.lines.push(JSON.parse(l) as LogLine);
        } catch {
          // Not a log line.
        }
      }
      for (const f of [...this.#listeners]) f();
    });
    this.proc.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((res) => {
      this.proc.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        for (const f of [...this.#listeners]) f();
        res(this.#exit);
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get uri(): string {
    return `mongodb://${this.host}/?directConnection=true`;
  }

  get exit(): ExitInfo | undefined {
    return this.#exit;
  }

  /** Waits for a log line matching `pred` (already seen or future); fails if the process exits first. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 20_000, what = 'a log line'): Promise<LogLine> {
    return new Promise((res, rej) => {
      const check = () => {
        const hit = this.lines.find(pred);
        if (hit) {
          done();
          res(hit);
        } else if (this.#exit) {
          done();
          rej(
            new Error(
              `mongod exited (${JSON.stringify(this.#exit)}) while waiting for ${what}\nstderr: ${this.stderr}\nlast log:\n${this.stdout.split('\n').slice(-15).join('\n')}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        rej(
          new Error(
            `Timed out after ${timeoutMs}ms waiting for ${what}\nlast log:\n${this.stdout.split('\n').slice(-15).join('\n')}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Resolves once the node logged 23016; sets `port`. */
  async ready(): Promise<this> {
    const l = await this.waitForLog(
      (x) => x.id === 23016,
      this.opts.timeoutMs ?? 20_000,
      'log 23016 "Waiting for connections"',
    );
    this.port = l.attr!.port as number;
    return this;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.#exit) this.proc.kill(signal);
  }

  /** Sends `signal` and waits for exit (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<ExitInfo> {
    if (this.#exit) return this.#exit;
    this.proc.kill(signal);
    try {
      return await withTimeout(this.exited, timeoutMs, `mongod pid ${this.pid} to exit after ${signal}`);
    } catch (e) {
      this.proc.kill('SIGKILL');
      await this.exited;
      throw e;
    }
  }

  client(extra = ''): MongoClient {
    return new MongoClient(`mongodb://${this.host}/?directConnection=true&serverSelectionTimeoutMS=15000${extra}`);
  }

  /** hello over a raw socket: much cheaper than a driver client when polling many times. */
  hello(timeoutMs = 1500): Promise<Document> {
    return rawCommand(this.port, { hello: 1, $db: 'admin' }, timeoutMs);
  }

  /** Runs one admin command over a short-lived direct connection. */
  async command(cmd: Document, db = 'admin', selectionTimeoutMs = 15_000): Promise<Document> {
    const c = new MongoClient(
      `mongodb://${this.host}/?directConnection=true&serverSelectionTimeoutMS=${selectionTimeoutMs}&connectTimeoutMS=${Math.min(selectionTimeoutMs, 10_000)}`,
    );
    try {
      return await c.db(db).command(cmd);
    } finally {
      await c.close();
    }
  }
}

export async function startNode(opts: NodeOptions): Promise<SimNode> {
  const n = new SimNode(opts);
  try {
    return await n.ready();
  } catch (e) {
    n.kill('SIGKILL');
    await n.exited;
    throw e;
  }
}

export interface MemberSpec {
  readonly priority?: number;
  readonly votes?: number;
  readonly arbiterOnly?: boolean;
  readonly hidden?: boolean;
  readonly secondaryDelaySecs?: number;
  readonly tags?: Record<string, string>;
  readonly args?: readonly string[];
}

export interface SetOptions {
  readonly dir: string;
  readonly name?: string;
  readonly members?: number | readonly MemberSpec[];
  readonly settings?: Document;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
}

/** A replica set of simulated nodes; node i lives in `<dir>/n<i>`. */
export class SimSet {
  readonly name: string;
  readonly dir: string;
  readonly nodes: SimNode[];
  readonly specs: readonly MemberSpec[];
  readonly opts: SetOptions;

  constructor(opts: SetOptions, nodes: SimNode[], specs: readonly MemberSpec[]) {
    this.opts = opts;
    this.dir = opts.dir;
    this.name = opts.name ?? 'rs0';
    this.nodes = nodes;
    this.specs = specs;
  }

  get hosts(): string[] {
    return this.nodes.map((n) => n.host);
  }

  get uri(): string {
    return `mongodb://${this.hosts.join(',')}/?replicaSet=${this.name}`;
  }

  client(extra = ''): MongoClient {
    return new MongoClient(`${this.uri}&serverSelectionTimeoutMS=20000${extra}`);
  }

  /** hello of every live node (null for dead/unreachable ones). */
  async hellos(): Promise<(Document | null)[]> {
    return Promise.all(
      this.nodes.map(async (n) => {
        if (n.exit) return null;
        try {
          return await n.hello();
        } catch {
          return null;
        }
      }),
    );
  }

  /** Waits until exactly one live node is a writable primary; returns its index. */
  async waitForPrimary(timeoutMs = 30_000, exclude: number[] = []): Promise<number> {
    return pollUntil(
      async () => {
        const hs = await this.hellos();
        const prim = hs.map((h, i) => (h?.isWritablePrimary && !exclude.includes(i) ? i : -1)).filter((i) => i >= 0);
        return prim.length === 1 ? prim[0] : undefined;
      },
      { what: `a writable primary in ${this.name}`, timeoutMs, intervalMs: 100 },
    );
  }

  /** Waits until every live node is PRIMARY, SECONDARY or ARBITER and knows who the primary is. */
  async waitForHealthy(timeoutMs = 30_000): Promise<void> {
    await pollUntil(
      async () => {
        const hs = await this.hellos();
        return hs.every((h, i) => {
          if (this.nodes[i].exit) return true;
          if (!h || h.setName === undefined || h.primary === undefined) return false;
          if (this.specs[i]?.arbiterOnly) return h.arbiterOnly === true;
          return h.isWritablePrimary === true || h.secondary === true;
        });
      },
      { what: `all members of ${this.name} healthy`, timeoutMs, intervalMs: 100 },
    );
  }

  /** Restarts node i on its old port and dbPath. */
  async restart(i: number, extraArgs: readonly string[] = []): Promise<SimNode> {
    const old = this.nodes[i];
    const n = await startNode({
      dir: old.opts.dir,
      port: old.port,
      replSet: this.name,
      args: [...(old.opts.args ?? []), ...extraArgs],
      env: old.opts.env,
    });
    this.nodes[i] = n;
    return n;
  }

  /** Kills every node (SIGKILL) and waits for the exits. */
  async killAll(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        n.kill('SIGKILL');
        await n.exited;
      }),
    );
  }
}

/** Starts N nodes, initiates the set through member 0 and waits for a writable primary. */
export async function startSet(opts: SetOptions): Promise<SimSet> {
  const name = opts.name ?? 'rs0';
  const specs: MemberSpec[] =
    typeof opts.members === 'number' || opts.members === undefined
      ? Array.from({ length: opts.members ?? 3 }, () => ({}))
      : [...opts.members];
  const nodes: SimNode[] = [];
  try {
    for (let i = 0; i < specs.length; i++) {
      nodes.push(
        await startNode({
          dir: join(opts.dir, `n${i}`),
          replSet: name,
          args: [...(opts.args ?? []), ...(specs[i].args ?? [])],
          env: opts.env,
        }),
      );
    }
    const members = nodes.map((n, i) => {
      const s = specs[i];
      const m: Document = { _id: i, host: n.host };
      for (const k of ['priority', 'votes', 'arbiterOnly', 'hidden', 'secondaryDelaySecs', 'tags'] as const) {
        if (s[k] !== undefined) m[k] = s[k];
      }
      return m;
    });
    await nodes[0].command({
      replSetInitiate: {
        _id: name,
        members,
        settings: { electionTimeoutMillis: 1000, heartbeatIntervalMillis: 300, ...opts.settings },
      },
    });
    const set = new SimSet(opts, nodes, specs);
    await set.waitForPrimary(30_000);
    await set.waitForHealthy(30_000);
    return set;
  } catch (e) {
    await Promise.all(
      nodes.map(async (n) => {
        n.kill('SIGKILL');
        await n.exited;
      }),
    );
    throw e;
  }
}

export function dirExists(p: string): boolean {
  return existsSync(p);
}
