// The owner's side of the reaper (see reaper-process.ts): starts it detached and unref'd with an
// argument array (no shell) and an IPC channel that does not keep this process alive, waits until
// it watches, keeps it informed (pids, what to remove), and releases it after a normal stop.
// `MONGO_TOPOLOGY_REAPER=false` (or the `reaper: false` start option) turns it off; the CLI's
// detached clusters do not use it.

import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
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
  #ready = false;
  #pending: Partial<ReaperConfig> = {};
  /** Resolves with the reaper's pid once it watches this process; rejects if it could not start. */
  readonly ready: Promise<number>;

  private constructor(
    private readonly child: ChildProcess,
    timeoutMs: number,
  ) {
    this.ready = new Promise<number>((resolve, reject) => {
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
      const finish = (e?: Error, pid?: number) => {
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
          return;
        }
        // Never keep this process alive for the reaper's sake.
        child.unref();
        child.channel?.unref();
        this.#ready = true;
        this.#flush();
        debug('reaper %d watches', pid);
        resolve(pid!);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    this.ready.catch(() => undefined);
    child.on('error', () => undefined);
  }

  /**
   * Spawns a reaper for a cluster directory. The spawn itself is synchronous: once this returns, the
   * owner's death is noticed even before the reaper reports ready. Await `ready` before starting
   * processes it must be able to clean up.
   */
  static spawn(config: ReaperConfig, options: { readonly timeoutMs?: number } = {}): Reaper {
    const source = `(${reaperMain.toString()})(require, process.argv.slice(1))`;
    // Not this process's execArgv (a test runner's loaders) nor NODE_OPTIONS: the reaper needs plain Node.
    const { NODE_OPTIONS: _drop, ...env } = process.env;
    const child = spawn(process.execPath, ['-e', source, JSON.stringify(config)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env,
    });
    // It idles until the owner dies: never let it compete with the servers booting (nice 19).
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, 19);
      } catch {
        // Not permitted here: it runs at normal priority.
      }
    }
    return new Reaper(child, options.timeoutMs ?? 15_000);
  }

  /** Tells the reaper about new pids or what to remove (queued until it is ready: earlier messages could be lost). */
  update(config: Partial<ReaperConfig>): void {
    if (this.#released) return;
    this.#pending = { ...this.#pending, ...config };
    if (this.#ready) this.#flush();
  }

  #flush(): void {
    if (Object.keys(this.#pending).length === 0 || !this.child.connected) return;
    const config = this.#pending;
    this.#pending = {};
    this.child.send({ type: 'update', config } satisfies ReaperMessage, (e) => {
      if (e) debug('reaper update failed: %s', e.message);
    });
  }

  /** Lets the reaper exit without cleaning up (the cluster was stopped normally). Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (!this.#ready) {
      // Not watching yet (or never will): nothing is left for it to do.
      this.child.kill('SIGKILL');
      return;
    }
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
