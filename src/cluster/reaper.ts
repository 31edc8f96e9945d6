// The owner's side of the reaper (see reaper-process.ts): starts it detached and unref'd with an
// argument array (no shell) and an IPC channel that does not keep this process alive, waits until
// it watches, keeps it informed (pids, what to remove), and releases it after a normal stop.
// `MONGO_TOPOLOGY_REAPER=false` (or the `reaper: false` start option) turns it off; the CLI's
// detached clusters do not use it.

import { spawn, type ChildProcess } from 'node:child_process';
import createDebug from 'debug';
import { SupervisorError } from '../errors.js';
import { reaperMain, type ReaperConfig, type ReaperMessage } from './reaper-process.js';

const debug = createDebug('mongo-topology:reaper');

/** Whether a cluster gets a reaper: the option, else `MONGO_TOPOLOGY_REAPER` (`false`/`0`/`off` disable). */
export function reaperEnabled(option: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  if (option !== undefined) return option;
  const v = env.MONGO_TOPOLOGY_REAPER?.trim().toLowerCase();
  return !(v === 'false' || v === '0' || v === 'off' || v === 'no');
}

/** A running reaper. */
export class Reaper {
  #released = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {}

  /** Starts a reaper and resolves once it watches this process. */
  static async start(config: ReaperConfig, options: { readonly timeoutMs?: number } = {}): Promise<Reaper> {
    const source = `(${reaperMain.toString()})(require, process.argv.slice(1))`;
    // Not this process's execArgv (a test runner's loaders) nor NODE_OPTIONS: the reaper needs plain Node.
    const { NODE_OPTIONS: _drop, ...env } = process.env;
    const child = spawn(process.execPath, ['-e', source, JSON.stringify(config)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env,
    });
    const timeoutMs = options.timeoutMs ?? 15_000;
    const pid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`the reaper did not report ready within ${timeoutMs}ms`)),
        timeoutMs,
      );
      const onMessage = (m: ReaperMessage) => {
        if (m?.type === 'ready') finish(undefined, m.pid);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        finish(
          new Error(
            `the reaper exited before it was ready (${code !== null ? `exit code ${code}` : `signal ${signal}`})`,
          ),
        );
      const onError = (e: Error) => finish(e);
      function finish(e?: Error, readyPid?: number) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
        if (e) {
          try {
            child.kill('SIGKILL');
          } catch {
            // Not started.
          }
          reject(new SupervisorError(`Cannot start the orphan reaper: ${e.message}`, { code: 'MT_REAPER', cause: e }));
        } else resolve(readyPid!);
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    // Never keep this process alive for the reaper's sake.
    child.unref();
    child.channel?.unref();
    child.on('error', () => undefined);
    debug('reaper %d watches %s', pid, config.clusterDir);
    return new Reaper(child, pid);
  }

  /** Tells the reaper about new pids or what to remove. */
  update(config: Partial<ReaperConfig>): void {
    if (this.#released || !this.child.connected) return;
    this.child.send({ type: 'update', config } satisfies ReaperMessage, (e) => {
      if (e) debug('reaper update failed: %s', e.message);
    });
  }

  /** Lets the reaper exit without cleaning up (the cluster was stopped normally). Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (!this.child.connected) return;
    await new Promise<void>((resolve) => {
      // Bounded and kept referenced: `await cluster.stop()` must return in a script that does nothing else.
      const timer = setTimeout(resolve, 2_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.send({ type: 'release' } satisfies ReaperMessage, (e) => {
        if (e) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    if (this.child.connected) this.child.disconnect();
  }
}
