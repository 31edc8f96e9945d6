// Readiness checks (an idea from s6): READY means "the program can serve", distinct from
// supervisord's RUNNING ("stayed up startsecs"). A check runs per incarnation, from its spawn,
// and only sees that incarnation's output, so an old log line can never satisfy it.

import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { delay } from '../common/async.js';
import type { LogChannelFilter, ReadinessSpec } from './config/model.js';
import type { LogLine } from './logs/output-channel.js';

/** What a function check receives. */
export interface ReadinessContext {
  /** Namespec of the process. */
  readonly name: string;
  readonly pid: number;
  /** Aborted when the incarnation ends or the check is no longer wanted. */
  readonly signal: AbortSignal;
}

/**
 * A readiness check: any serializable {@link ReadinessSpec} (also usable as `x_ready=` in INI), or
 * API-only forms with code: a log-id check with an `attr` predicate, a RegExp log check, a function.
 */
export type ReadinessCheck =
  | ReadinessSpec
  | {
      readonly kind: 'log-id';
      readonly id: number;
      readonly attr: (attr: any) => boolean;
      readonly channel?: LogChannelFilter;
    }
  | { readonly kind: 'log'; readonly pattern: RegExp; readonly channel?: LogChannelFilter }
  | {
      readonly kind: 'function';
      readonly check: (ctx: ReadinessContext) => boolean | Promise<boolean>;
      /** Shown in READY events and timeout errors. */
      readonly description?: string;
    };

/** How often polling checks (tcp, http, command, function) retry. */
export const DEFAULT_READY_INTERVAL_MS = 100;

/** A short description for events and errors, e.g. `log id 23016`, `tcp 127.0.0.1:27017`. */
export function describeCheck(c: ReadinessCheck): string {
  switch (c.kind) {
    case 'log':
      return `log line matching ${c.pattern instanceof RegExp ? String(c.pattern) : `/${c.pattern}/${'flags' in c ? (c.flags ?? '') : ''}`}`;
    case 'log-id':
      return `log id ${c.id}${c.attr === undefined ? '' : typeof c.attr === 'function' ? ' with attr predicate' : ` with attr ${JSON.stringify(c.attr)}`}`;
    case 'tcp':
      return `tcp ${c.host}:${c.port}`;
    case 'http':
      return `http ${c.url}`;
    case 'command':
      return `command ${c.argv.join(' ')}`;
    case 'function':
      return c.description ?? 'readiness function';
  }
}

/** True when every key of `expected` is in `actual` with a deeply partially-equal value. */
export function partialMatch(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return Object.is(actual, expected);
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) && expected.length === actual.length && expected.every((v, i) => partialMatch(actual[i], v))
    );
  }
  return Object.entries(expected).every(([k, v]) => partialMatch((actual as Record<string, unknown>)[k], v));
}

/** Builds a line predicate for log-based checks, or undefined for polling checks. */
export function linePredicate(c: ReadinessCheck): ((line: LogLine) => boolean) | undefined {
  if (c.kind !== 'log' && c.kind !== 'log-id') return undefined;
  const channel = c.channel ?? 'stdout';
  const channelOk = (l: LogLine) => channel === 'both' || l.channel === channel;
  if (c.kind === 'log') {
    const re = c.pattern instanceof RegExp ? c.pattern : new RegExp(c.pattern, 'flags' in c ? c.flags : undefined);
    return (l) => {
      if (!channelOk(l)) return false;
      // A global or sticky RegExp keeps state between test() calls; every line is tested afresh.
      re.lastIndex = 0;
      return re.test(l.text);
    };
  }
  const attr = c.attr;
  return (l) => {
    if (!channelOk(l)) return false;
    const t = l.text.trimStart();
    if (!t.startsWith('{')) return false;
    let doc: { id?: unknown; attr?: unknown };
    try {
      doc = JSON.parse(t);
    } catch {
      return false;
    }
    if (doc.id !== c.id) return false;
    if (attr === undefined) return true;
    if (typeof attr === 'function') {
      try {
        return attr(doc.attr) === true;
      } catch {
        return false;
      }
    }
    return partialMatch(doc.attr, attr);
  };
}

/** One attempt of a polling check; resolves true when ready. Never throws. */
async function attempt(c: ReadinessCheck, ctx: ReadinessContext, attemptTimeoutMs: number): Promise<boolean> {
  switch (c.kind) {
    case 'tcp':
      return new Promise((resolve) => {
        const sock = connect({ host: c.host, port: c.port });
        const done = (ok: boolean) => {
          clearTimeout(t);
          ctx.signal.removeEventListener('abort', onAbort);
          sock.destroy();
          resolve(ok);
        };
        const onAbort = () => done(false);
        const t = setTimeout(() => done(false), attemptTimeoutMs);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        sock.once('connect', () => done(true));
        sock.once('error', () => done(false));
      });
    case 'http':
      return new Promise((resolve) => {
        const req = (c.url.startsWith('https:') ? httpsRequest : httpRequest)(
          c.url,
          { method: 'GET', signal: ctx.signal, timeout: attemptTimeoutMs },
          (res) => {
            res.resume();
            resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
          },
        );
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
        req.end();
      });
    case 'command':
      return new Promise((resolve) => {
        const child = spawn(c.argv[0], c.argv.slice(1), {
          stdio: 'ignore',
          detached: true,
          signal: ctx.signal,
          killSignal: 'SIGKILL',
        });
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }, attemptTimeoutMs);
        child.once('error', () => {
          clearTimeout(t);
          resolve(false);
        });
        child.once('exit', (code) => {
          clearTimeout(t);
          resolve(code === 0);
        });
      });
    case 'function':
      try {
        return (await c.check(ctx)) === true;
      } catch {
        return false;
      }
    default:
      return false;
  }
}

/**
 * Polls a non-log check until it passes or `ctx.signal` aborts. Resolves when ready; rejects with
 * the abort reason when aborted.
 */
export async function pollReadiness(
  c: ReadinessCheck,
  ctx: ReadinessContext,
  intervalMs = DEFAULT_READY_INTERVAL_MS,
): Promise<void> {
  const attemptTimeoutMs = Math.max(1000, intervalMs * 10);
  for (;;) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (await attempt(c, ctx, attemptTimeoutMs)) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      return;
    }
    await delay(intervalMs, ctx.signal);
  }
}
