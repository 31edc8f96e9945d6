// Test-only helpers to run the simulated mongod (fixtures/bin/mongod) the way tools do: by path, with
// argument arrays, in a per-test temp dir, port from log id 23016. Also a replica-set starter. The
// product's own boot code must never import this (it is another slice's job and must not depend on tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient, type Document } from 'mongodb';
import { pollUntil, settleAll, withTimeout } from '../../src/common/async.js';
import { rawCommand } from './wire.js';

export const MONGOD_BIN = resolve(import.meta.dirname, '../../fixtures/bin/mongod');
export const MONGOS_BIN = resolve(import.meta.dirname, '../../fixtures/bin/mongos');

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

/** Runs mongod (or mongos) to completion (for --version, option errors, startup failures). */
export function runMongod(
  args: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string; binary?: 'mongod' | 'mongos' } = {},
): Promise<ExitInfo & { stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(opts.binary === 'mongos' ? MONGOS_BIN : MONGOD_BIN, args, {
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
          `${opts.binary ?? 'mongod'} ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 20_000}ms; stdout:\n${stdout}\nstderr:\n${stderr}`,
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
  /** 'mongos' runs the router (no dbPath; `args` must carry --configdb). @default 'mongod' */
  readonly binary?: 'mongod' | 'mongos';
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
    const router = opts.binary === 'mongos';
    this.dbPath = opts.dbPath ?? join(opts.dir, 'db');
    mkdirSync(router ? opts.dir : this.dbPath, { recursive: true });
    const args = [
      '--port',
      String(opts.port ?? 0),
      ...(router ? [] : ['--dbpath', this.dbPath]),
      '--bind_ip',
      '127.0.0.1',
      ...(opts.unixSocketPrefix ? ['--unixSocketPrefix', opts.unixSocketPrefix] : ['--nounixsocket']),
      ...(opts.replSet ? ['--replSet', opts.replSet] : []),
      ...(opts.args ?? []),
    ];
    // A router runs in its node's dir: with no dbPath in its argv, that is what carries the test's marker.
    this.proc = spawn(router ? MONGOS_BIN : MONGOD_BIN, args, {
      env: { ...process.env, ...opts.env },
      cwd: router ? opts.dir : undefined,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
  /** A config server set: every member gets --configsvr and the set is initiated with configsvr: true. */
  readonly configsvr?: boolean;
  /** Shard members: every member gets --shardsvr. */
  readonly shardsvr?: boolean;
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

  /** "name/host1,host2,..." (what addShard and --configdb take). */
  get connectionString(): string {
    return `${this.name}/${this.hosts.join(',')}`;
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
  const roleArgs = opts.configsvr ? ['--configsvr'] : opts.shardsvr ? ['--shardsvr'] : [];
  try {
    for (let i = 0; i < specs.length; i++) {
      nodes.push(
        await startNode({
          dir: join(opts.dir, `n${i}`),
          replSet: name,
          args: [...roleArgs, ...(opts.args ?? []), ...(specs[i].args ?? [])],
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
        ...(opts.configsvr ? { configsvr: true } : {}),
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

/** Starts a mongos against `configdb` and waits for it to listen (it only does once the config set is ready). */
export function startMongos(opts: {
  readonly dir: string;
  readonly configdb: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  readonly port?: number;
  readonly timeoutMs?: number;
}): Promise<SimNode> {
  return startNode({
    dir: opts.dir,
    binary: 'mongos',
    port: opts.port,
    args: ['--configdb', opts.configdb, ...(opts.args ?? [])],
    env: opts.env,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
}

export interface ClusterOptions {
  readonly dir: string;
  /** @default 2 */
  readonly shards?: number;
  /** Members per shard set. @default 1 */
  readonly shardMembers?: number;
  /** Members of the config server set. @default 1 */
  readonly configMembers?: number;
  /** @default 1 */
  readonly routers?: number;
  /** Replica-set settings for every set (small election timeouts by default). */
  readonly settings?: Document;
  /** Extra arguments for every mongod / every mongos. */
  readonly args?: readonly string[];
  readonly mongosArgs?: readonly string[];
  readonly env?: Record<string, string>;
  /** Run addShard for every shard through the first router. @default true */
  readonly addShards?: boolean;
  /** `--keyFile` for every process (mongod and mongos). */
  readonly keyFile?: string;
}

function withKeyFile(opts: ClusterOptions, args: readonly string[] | undefined): readonly string[] {
  return [...(args ?? []), ...(opts.keyFile ? ['--keyFile', opts.keyFile] : [])];
}

/** A sharded cluster of simulated processes: config set `cfg`, shard sets `sh0`, `sh1`, ..., routers. */
export class SimCluster {
  readonly config: SimSet;
  readonly shards: SimSet[];
  readonly routers: SimNode[];
  readonly opts: ClusterOptions;

  constructor(opts: ClusterOptions, config: SimSet, shards: SimSet[], routers: SimNode[]) {
    this.opts = opts;
    this.config = config;
    this.shards = shards;
    this.routers = routers;
  }

  /** mongodb://router1,router2/ */
  get uri(): string {
    return `mongodb://${this.routers.map((r) => r.host).join(',')}/`;
  }

  client(extra = ''): MongoClient {
    return new MongoClient(`${this.uri}?serverSelectionTimeoutMS=20000${extra}`);
  }

  /** Starts another router against the same config servers. */
  async addRouter(args: readonly string[] = []): Promise<SimNode> {
    const r = await startMongos({
      dir: join(this.opts.dir, `mongos${this.routers.length}`),
      configdb: this.config.connectionString,
      args: [...withKeyFile(this.opts, this.opts.mongosArgs), ...args],
      env: this.opts.env,
    });
    this.routers.push(r);
    return r;
  }

  /** Kills every process (SIGKILL) and waits for the exits. */
  async killAll(): Promise<void> {
    await Promise.all([
      ...this.routers.map(async (r) => {
        r.kill('SIGKILL');
        await r.exited;
      }),
      this.config.killAll(),
      ...this.shards.map((s) => s.killAll()),
    ]);
  }
}

/**
 * Starts the config set and the shard sets in parallel (each initiated, with a writable primary),
 * then the routers, then adds every shard through the first router. Everything lives under `dir`.
 */
export async function startShardedCluster(opts: ClusterOptions): Promise<SimCluster> {
  const settings = { electionTimeoutMillis: 1000, heartbeatIntervalMillis: 300, ...opts.settings };
  const started: Array<SimSet | SimNode> = [];
  const track = <T extends SimSet | SimNode>(x: T): T => {
    started.push(x);
    return x;
  };
  try {
    // settleAll waits for every start, so a failure never leaves a set starting behind our back.
    const [config, ...shards] = await settleAll(
      [
        startSet({
          dir: join(opts.dir, 'cfg'),
          name: 'cfg',
          configsvr: true,
          members: opts.configMembers ?? 1,
          settings,
          args: withKeyFile(opts, opts.args),
          env: opts.env,
        }).then(track),
        ...Array.from({ length: opts.shards ?? 2 }, (_, i) =>
          startSet({
            dir: join(opts.dir, `sh${i}`),
            name: `sh${i}`,
            shardsvr: true,
            members: opts.shardMembers ?? 1,
            settings,
            args: withKeyFile(opts, opts.args),
            env: opts.env,
          }).then(track),
        ),
      ],
      'start the config and shard sets',
    );
    const routers = await settleAll(
      Array.from({ length: opts.routers ?? 1 }, (_, i) =>
        startMongos({
          dir: join(opts.dir, `mongos${i}`),
          configdb: config.connectionString,
          args: withKeyFile(opts, opts.mongosArgs),
          env: opts.env,
        }).then(track),
      ),
      'start the routers',
    );
    const cluster = new SimCluster(opts, config, shards, routers);
    if (opts.addShards !== false) {
      for (const s of shards) await routers[0].command({ addShard: s.connectionString }, 'admin', 30_000);
    }
    return cluster;
  } catch (e) {
    await Promise.all(
      started.map(async (x) => {
        if (x instanceof SimSet) await x.killAll();
        else {
          x.kill('SIGKILL');
          await x.exited;
        }
      }),
    );
    throw e;
  }
}
