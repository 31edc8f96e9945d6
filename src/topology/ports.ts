// Port allocation on 127.0.0.1 that parallel test workers in separate processes cannot race on.
// A port is handed out only when (1) this process holds a lock file for it in a shared per-user
// directory, so no other allocator hands it out, and (2) a bind check shows nothing listens on it.
// Locks are proper-lockfile's mkdir locks, kept fresh while held; a lock whose owner died is stale
// after `staleMs` and is cleaned up by the next allocator that wants the port.
//
// Candidates come from below the OS's ephemeral range (Linux ip_local_port_range) when there is
// room: ports from that range are also the local ports of outgoing connections (drivers,
// supervisorctl), which can make a later bind of a pre-allocated port fail. Elsewhere, the OS picks.

import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import createDebug from 'debug';
import lockfile from 'proper-lockfile';
import { ProcessStartError } from '../errors.js';

const debug = createDebug('mongo-topology:ports');

/** Where ports come from. `plan()` takes any implementation; tests inject a deterministic one. */
export interface PortSource {
  /** Reserves and returns a free port. */
  allocate(): Promise<number>;
  /** Reserves a port the user fixed; throws if it is taken. */
  reserve(port: number): Promise<void>;
  /** Gives a reservation back. Releasing a port that is not held does nothing. */
  release(port: number): Promise<void>;
}

/** Options of {@link PortAllocator}. */
export interface PortAllocatorOptions {
  /** The address servers will listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Directory of the cross-process lock files. @default `<tmpdir>/mongo-topology-<user>/ports` */
  readonly lockDir?: string;
  /**
   * Candidate ports: an inclusive range, or `'os'` to let the OS pick ephemeral ports.
   * @default 10000 up to the start of the OS's ephemeral range on Linux, else 'os'
   */
  readonly range?: { readonly min: number; readonly max: number } | 'os';
  /** A lock not refreshed for this long belongs to a dead process. @default 30_000 */
  readonly staleMs?: number;
  /** Candidates tried per allocation. @default 200 */
  readonly maxAttempts?: number;
}

/** MongoDB's default ports, left alone so a developer's own mongod can always start. */
const AVOID = new Set([27017, 27018, 27019, 27020]);

/** Whether nothing listens on `port` at `host` right now (a bind check). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(false);
      else reject(e);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considers free right now. */
function osPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The default candidate range: below Linux's ephemeral range when that leaves room, else the OS's choice. */
export function defaultPortRange(): { min: number; max: number } | 'os' {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low - 1 - 10_000 >= 2_000) return { min: 10_000, max: low - 1 };
  } catch {
    // Not Linux, or /proc is unavailable: let the OS choose.
  }
  return 'os';
}

/** The default lock directory, shared by every process of this user. */
export function defaultLockDir(): string {
  const uid = process.getuid?.();
  return join(tmpdir(), `mongo-topology-${uid !== undefined ? String(uid) : userInfo().username}`, 'ports');
}

/**
 * Hands out ports on 127.0.0.1 that no other allocator (in any process of this user) hands out while
 * this one holds them, and that nothing listens on when handed out. Release them with `release()` or
 * `releaseAll()` (or `await using`); a process that exits releases its ports, and one that is killed
 * leaves stale locks that expire after `staleMs`.
 *
 * @example
 * ```ts
 * await using ports = new PortAllocator();
 * const port = await ports.allocate();
 * ```
 */
export class PortAllocator implements PortSource, AsyncDisposable {
  readonly host: string;
  readonly lockDir: string;
  readonly range: { readonly min: number; readonly max: number } | 'os';
  readonly staleMs: number;
  readonly maxAttempts: number;
  readonly #held = new Map<number, () => Promise<void>>();

  constructor(options: PortAllocatorOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.lockDir = options.lockDir ?? defaultLockDir();
    this.range = options.range ?? defaultPortRange();
    this.staleMs = options.staleMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 200;
    if (this.range !== 'os') {
      const { min, max } = this.range;
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535 || min > max) {
        throw new RangeError(`port range must lie within 1024-65535 with min <= max, got ${min}-${max}`);
      }
    }
  }

  /** Ports this allocator holds, ascending. */
  get held(): readonly number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  async allocate(): Promise<number> {
    mkdirSync(this.lockDir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const port = this.range === 'os' ? await osPort(this.host) : randomInt(this.range.min, this.range.max + 1);
      if (AVOID.has(port) || this.#held.has(port)) continue;
      if (await this.#tryHold(port)) return port;
    }
    const where = this.range === 'os' ? 'from the OS' : `in ${this.range.min}-${this.range.max}`;
    throw new ProcessStartError(
      `No free port on ${this.host} after ${this.maxAttempts} attempts ${where}; too many ports are taken or locked in ${this.lockDir}`,
      { host: this.host, code: 'MT_NO_FREE_PORT' },
    );
  }

  async reserve(port: number): Promise<void> {
    if (this.#held.has(port)) return;
    mkdirSync(this.lockDir, { recursive: true, mode: 0o700 });
    if (!(await this.#tryHold(port))) {
      throw new ProcessStartError(`Port ${port} on ${this.host} is in use or reserved by another cluster`, {
        host: this.host,
        port,
        code: 'MT_PORT_IN_USE',
      });
    }
  }

  async release(port: number): Promise<void> {
    const release = this.#held.get(port);
    if (!release) return;
    this.#held.delete(port);
    try {
      await release();
    } catch (e) {
      // A lock already removed (compromised, or cleaned by a stale check) needs no release.
      debug('releasing port %d: %s', port, (e as Error).message);
    }
  }

  /** Releases every port this allocator holds. */
  async releaseAll(): Promise<void> {
    for (const port of [...this.#held.keys()]) await this.release(port);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.releaseAll();
  }

  /** Locks `port`, then bind-checks it; keeps the lock only if both succeed. */
  async #tryHold(port: number): Promise<boolean> {
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(join(this.lockDir, String(port)), {
        realpath: false,
        stale: this.staleMs,
        retries: 0,
        onCompromised: (e) => {
          // The lock was taken over (our process stalled past staleMs); the port may be handed out twice,
          // which the start-time re-check and re-allocation then catch.
          debug('lock of port %d compromised: %s', port, e.message);
          this.#held.delete(port);
        },
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKED') return false;
      throw e;
    }
    let free = false;
    try {
      free = await isPortFree(port, this.host);
    } finally {
      if (!free) await release().catch(() => undefined);
    }
    if (free) {
      this.#held.set(port, release);
      debug('reserved port %d', port);
    }
    return free;
  }
}

let shared: PortAllocator | undefined;

/** The process-wide allocator `plan()` uses unless given another. Created on first use. */
export function sharedPortAllocator(): PortAllocator {
  shared ??= new PortAllocator();
  return shared;
}
