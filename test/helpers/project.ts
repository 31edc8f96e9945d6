// Helpers for tests that run a test runner (vitest, jest) or an example as a user would: a
// temporary project whose node_modules links `mongo-topology` to this repository (what
// `npm i file:../..` creates) and its other dependencies to ours, and a child process run with an
// argument array (no shell), a deadline, and its output kept for the failure message.

import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './supervisor.js';

/**
 * Links `node_modules/mongo-topology` (to this repository: its package.json `exports` and dist/)
 * and each of `deps` (to ours) into `dir`.
 */
export function linkModules(dir: string, deps: readonly string[]): void {
  const modules = join(dir, 'node_modules');
  for (const [name, target] of [
    ['mongo-topology', ROOT] as const,
    ...deps.map((d) => [d, join(ROOT, 'node_modules', d)] as const),
  ]) {
    const link = join(modules, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
}

/** Copies `from` (a directory of this repository) to `to`, without node_modules or build output. */
export function copyProject(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist)([/\\]|$)/.test(src.slice(from.length)),
  });
}

/**
 * The environment for a child test run: ours without what marks this process as a vitest worker
 * (a child vitest would take it for its own) or a cluster's variables, plus `extra`.
 */
export function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|MONGO_TOPOLOGY_|MONGODB_URI$|MONGO_URI$|JEST_WORKER_ID$)/.test(k))
      continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** How a child run ended, with its output. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** A child `node` process in its own process group, with its output collected. */
export class NodeRun {
  readonly child: ChildProcess;
  #stdout = '';
  #stderr = '';
  readonly #started = Date.now();
  readonly done: Promise<RunResult>;

  constructor(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a test can kill the runner with all its workers at once.
      detached: true,
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.#stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.#stderr += d));
    this.done = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) =>
        resolve({
          code,
          signal,
          stdout: this.#stdout,
          stderr: this.#stderr,
          durationMs: Date.now() - this.#started,
        }),
      );
    });
  }

  get output(): string {
    return `--- stdout ---\n${this.#stdout}\n--- stderr ---\n${this.#stderr}`;
  }

  /** Signals the whole process group (the runner and its workers). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  /** Waits for the run to end; past `timeoutMs` kills its group and throws with the output so far. */
  async result(timeoutMs: number): Promise<RunResult> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const r = await Promise.race([this.done, timedOut]);
      if (r === 'timeout') {
        this.killGroup('SIGKILL');
        await this.done.catch(() => undefined);
        throw new Error(
          `node ${this.child.spawnargs.slice(1).join(' ')} did not finish within ${timeoutMs}ms\n${this.output}`,
        );
      }
      return r;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs `node args` in `cwd` to the end; throws with its output unless it exits 0. */
export async function runNode(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const run = new NodeRun(args, options);
  const r = await run.result(options.timeoutMs);
  if (r.code !== 0) {
    throw new Error(`node ${args.join(' ')} (in ${options.cwd}) exited with ${r.code ?? r.signal}\n${run.output}`);
  }
  return r;
}

/** Entry points of the runners, run as `node <bin>` (what their package.json `bin` names). */
export const VITEST_BIN = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
export const JEST_BIN = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
export const TSC_BIN = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
