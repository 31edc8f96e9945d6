// Ctrl-C and friends while a command runs a cluster: the first SIGINT/SIGTERM/SIGHUP is recorded and
// aborts what is under way (a boot, a wait) so the command tears its cluster down and exits 128+n;
// a second one while it tears down exits at once (the reaper of an in-process cluster cleans up).

import { CliError } from './errors.js';
import { signalExitCode } from './exit-codes.js';
import { say } from './output.js';

const TRAPPED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The command was interrupted by a signal: exits 128+n after cleaning up. */
export class Interrupted extends CliError {
  constructor(readonly signal: NodeJS.Signals) {
    super(`Interrupted by ${signal}`, undefined, signalExitCode(signal));
  }
}

/** Traps the signals until disposed. */
export class SignalTrap implements Disposable {
  readonly #controller = new AbortController();
  readonly #listeners = new Map<NodeJS.Signals, () => void>();
  readonly #waiters: ((s: NodeJS.Signals) => void)[] = [];
  #received: NodeJS.Signals | undefined;

  constructor(
    private readonly options: { readonly onSignal?: (s: NodeJS.Signals) => void; readonly secondExits?: boolean } = {},
  ) {
    for (const s of TRAPPED) {
      const l = () => this.#on(s);
      this.#listeners.set(s, l);
      process.on(s, l);
    }
  }

  #on(s: NodeJS.Signals): void {
    if (this.#received !== undefined) {
      if (this.options.secondExits ?? true) {
        say(`${s} again: exiting without waiting for the teardown`);
        process.exit(signalExitCode(this.#received));
      }
      return;
    }
    this.#received = s;
    this.options.onSignal?.(s);
    this.#controller.abort(new Interrupted(s));
    for (const w of this.#waiters.splice(0)) w(s);
  }

  /** Aborted at the first signal, with an {@link Interrupted} reason. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get received(): NodeJS.Signals | undefined {
    return this.#received;
  }

  /** Resolves with the first signal. */
  wait(): Promise<NodeJS.Signals> {
    if (this.#received !== undefined) return Promise.resolve(this.#received);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  [Symbol.dispose](): void {
    for (const [s, l] of this.#listeners) process.off(s, l);
    this.#listeners.clear();
  }
}
