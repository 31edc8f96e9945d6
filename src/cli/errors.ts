// Errors as the CLI reports them: one line saying what failed, the problems of a bad spec, and a
// hint saying what to do; the stack (with causes) only when DEBUG is set. Also the CLI's own error
// types: usage errors (exit 2) and runtime failures with a hint (exit 1).

import {
  AutoRestartError,
  BinaryResolutionError,
  ProcessStartError,
  StartupTimeoutError,
  SupervisorError,
  TopologyConfigError,
  isMongoTopologyError,
} from '../errors.js';
import { EXIT } from './exit-codes.js';
import { paint } from './output.js';

/** A runtime failure of a CLI command (exit 1), with what to do about it. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

/** Bad command-line input found after commander parsed it (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, hint, EXIT.usage);
  }
}

/** What to print for an error, and the exit code. */
export interface Report {
  readonly lines: readonly string[];
  readonly hint?: string;
  readonly exitCode: number;
}

/** Describes an error for the terminal. `usagePhase`: it was thrown while reading flags and config (exit 2). */
export function describe(e: unknown, options: { readonly usagePhase?: boolean } = {}): Report {
  if (e instanceof CliError) return { lines: [e.message], ...(e.hint ? { hint: e.hint } : {}), exitCode: e.exitCode };
  if (e instanceof TopologyConfigError) {
    const [first, ...rest] = e.message.split('\n');
    return {
      lines: [first, ...rest],
      hint: options.usagePhase ? 'see --help for the flags, or fix the config file' : undefined,
      exitCode: options.usagePhase ? EXIT.usage : EXIT.failure,
    };
  }
  if (e instanceof BinaryResolutionError) {
    const attempts = e.attempts.map((a) => `  - ${a.source} ${a.location}: ${a.reason}`);
    return {
      lines: [`${e.message.split('\n')[0]} [${e.code}]`, ...(attempts.length > 0 ? ['Tried:', ...attempts] : [])],
      hint:
        e.hint ??
        'pass --bin-dir <dir> (or set MONGO_TOPOLOGY_BIN_DIR), or pre-fetch with `mongo-topology download <version>`',
      exitCode: EXIT.failure,
    };
  }
  if (e instanceof ProcessStartError) {
    const tail = (e.logTail ?? []).slice(-5).map((l) => `  ${l}`);
    return {
      lines: [`${e.shortMessage} [${e.code}]`, ...(tail.length > 0 ? ['Last log lines:', ...tail] : [])],
      hint: e.logFile ? `its log: ${e.logFile}` : undefined,
      exitCode: EXIT.failure,
    };
  }
  if (e instanceof StartupTimeoutError) {
    return {
      lines: [`${e.shortMessage} [${e.code}]`],
      hint: `raise --startup-timeout-ms${e.logFile ? `, or look at ${e.logFile}` : ''}`,
      exitCode: EXIT.failure,
    };
  }
  if (e instanceof AutoRestartError) {
    return {
      lines: [`${e.shortMessage} (stuck at: ${e.phase}) [${e.code}]`],
      hint: e.logFile ? `its log: ${e.logFile}` : undefined,
      exitCode: EXIT.failure,
    };
  }
  if (e instanceof SupervisorError) {
    return {
      lines: [`${e.shortMessage} [${e.code}]`],
      hint:
        e.code === 'MT_NOT_RUNNING'
          ? 'its processes are gone; `mongo-topology prune` removes what is left of it'
          : e.logFile
            ? `see ${e.logFile}`
            : undefined,
      exitCode: EXIT.failure,
    };
  }
  if (isMongoTopologyError(e)) return { lines: [`${e.shortMessage} [${e.code}]`], exitCode: EXIT.failure };
  const err = e instanceof Error ? e : new Error(String(e));
  return { lines: [err.message.split('\n')[0]], hint: 'set DEBUG=mongo-topology* for details', exitCode: EXIT.failure };
}

function causes(e: unknown): string[] {
  const out: string[] = [];
  let c: unknown = e;
  for (let i = 0; c instanceof Error && i < 5; i++) {
    out.push(c.stack ?? c.message);
    c = c.cause;
  }
  return out;
}

/** Prints an error to stderr and returns the exit code. */
export function reportError(e: unknown, options: { readonly usagePhase?: boolean } = {}): number {
  const r = describe(e, options);
  const [first, ...rest] = r.lines;
  const lines = [`${paint('red', 'error:')} ${first}`, ...rest];
  if (r.hint) lines.push(`${paint('dim', 'hint:')} ${r.hint}`);
  if (process.env.DEBUG) lines.push(...causes(e).map((s, i) => (i === 0 ? s : `Caused by: ${s}`)));
  process.stderr.write(`${lines.join('\n')}\n`);
  return r.exitCode;
}
