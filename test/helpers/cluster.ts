// Helpers for cluster tests: the simulator's binDir (passed exactly as a user passes real binaries),
// a per-test temp dir that is both the parent of cluster directories and the process marker for leak
// checks, TS scripts bundled once to run as separate Node processes (owners that get SIGKILLed,
// processes that attach), and checks that nothing is left behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { pollUntil } from '../../src/common/async.js';
import { findProcesses } from './leaks.js';
import { ROOT, TestDir } from './supervisor.js';

/** The simulated mongod/mongos, as a binDir. */
export const SIM_BIN_DIR = resolve(ROOT, 'fixtures', 'bin');

/** A test dir for clusters: `tmpDir` for `start()` and the marker of their processes. */
export function clusterTestDir(): TestDir {
  return new TestDir('mt-cluster-');
}

const bundles = new Map<string, Promise<string>>();
let bundleDir: string | undefined;

/** Bundles a TypeScript entry (and everything it imports) into one .mjs, once per test file. */
export function bundle(entry: string): Promise<string> {
  let b = bundles.get(entry);
  if (!b) {
    b = (async () => {
      bundleDir ??= mkdtempSync(join(tmpdir(), 'mt-cluster-bundle-'));
      const out = join(bundleDir, `${bundles.size}-${entry.split('/').pop()!.replace(/\.ts$/, '')}.mjs`);
      await build({
        entryPoints: [entry],
        outfile: out,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'warning',
        absWorkingDir: ROOT,
        banner: {
          js: "import { createRequire as __mtRequire } from 'node:module'; const require = __mtRequire(import.meta.url);",
        },
      });
      return out;
    })();
    bundles.set(entry, b);
  }
  return b;
}

/** Removes the bundles made by {@link bundle}. */
export function removeBundles(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  bundleDir = undefined;
  bundles.clear();
}

/** A bundled script run as its own process with an IPC channel; messages are collected. */
export class ScriptProcess {
  readonly messages: any[] = [];
  readonly child: ChildProcess;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    this.child.on('message', (m) => {
      this.messages.push(m);
      for (const w of [...this.#waiters]) w();
    });
    this.child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const w of [...this.#waiters]) w();
    });
  }

  /** Waits for a message matching `pred`; fails if the process exits first. */
  waitFor(pred: (m: any) => boolean, timeoutMs = 60_000): Promise<any> {
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        const m = this.messages.find(pred);
        if (m !== undefined) return done(undefined, m);
        if (this.exit)
          return done(
            new Error(
              `script exited (${JSON.stringify(this.exit)}) before the awaited message; got ${JSON.stringify(this.messages.map((x) => x.type))}`,
            ),
          );
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `no awaited message within ${timeoutMs}ms; got ${JSON.stringify(this.messages.map((x) => x.type))}`,
            ),
          ),
        timeoutMs,
      );
      const done = (e?: Error, m?: any) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (e) reject(e);
        else resolvePromise(m);
      };
      this.#waiters.add(check);
      check();
    });
  }

  send(m: unknown): void {
    this.child.send(m as any);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  /** Waits for the process to exit. */
  async exited(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await pollUntil(() => this.exit !== undefined, { what: `script pid ${this.child.pid} to exit`, timeoutMs });
    return this.exit!;
  }
}

/** Waits until no process mentions `marker` and `dir` has no entries left; throws naming what remains. */
export async function expectCleanedUp(marker: string, dir: string, timeoutMs: number): Promise<void> {
  const entries = () => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  try {
    await pollUntil(() => findProcesses(marker).length === 0 && entries().length === 0, {
      what: `no process or file of ${marker}`,
      timeoutMs,
      intervalMs: 100,
    });
  } catch {
    const procs = findProcesses(marker);
    throw new Error(
      `Left behind after ${timeoutMs}ms under ${marker}:\n  processes: ${procs.map((p) => `${p.pid} ${p.argv.join(' ').slice(0, 200)}`).join('\n    ') || 'none'}\n  entries: ${entries().join(', ') || 'none'}`,
    );
  }
}
