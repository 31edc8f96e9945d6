// mongo-topology's own `[program:x]` keys. They start with `x_` because supervisord silently ignores
// unknown keys, so the INI we write runs unchanged under the real supervisord (reference §5.7).
//   x_ready=log:<regex> | log-id:<id>[:<json attr subset>] | tcp://host:port | http://... | exec:<command>
//   x_ready_timeout=<seconds>     x_depends_on=a,b

import type { ReadinessSpec } from './model.js';
import { ShlexError, shlexSplit } from './shlex.js';
import { ValueTypeError, parseInteger } from './value-types.js';

/** Parses an `x_ready=` value. @throws ValueTypeError saying which forms are accepted. */
export function parseReadySpec(s: string): ReadinessSpec {
  const v = s.trim();
  if (v.startsWith('log-id:')) {
    const rest = v.slice('log-id:'.length);
    const colon = rest.indexOf(':');
    const idText = colon === -1 ? rest : rest.slice(0, colon);
    const id = parseInteger(idText);
    if (colon === -1) return { kind: 'log-id', id };
    let attr: unknown;
    try {
      attr = JSON.parse(rest.slice(colon + 1));
    } catch (e) {
      throw new ValueTypeError(`x_ready log-id attr must be a JSON object: ${(e as Error).message}`);
    }
    if (typeof attr !== 'object' || attr === null || Array.isArray(attr)) {
      throw new ValueTypeError('x_ready log-id attr must be a JSON object, e.g. log-id:23016:{"port":27017}');
    }
    return { kind: 'log-id', id, attr: attr as Record<string, unknown> };
  }
  if (v.startsWith('log:')) {
    const pattern = v.slice('log:'.length);
    try {
      new RegExp(pattern);
    } catch (e) {
      throw new ValueTypeError(`x_ready log pattern is not a valid regular expression: ${(e as Error).message}`);
    }
    return { kind: 'log', pattern };
  }
  if (v.startsWith('tcp://')) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(v);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535)
      throw new ValueTypeError(`x_ready tcp address must be tcp://host:port, got '${v}'`);
    return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port };
  }
  if (v.startsWith('http://') || v.startsWith('https://')) {
    try {
      new URL(v);
    } catch {
      throw new ValueTypeError(`x_ready URL is not valid: '${v}'`);
    }
    return { kind: 'http', url: v };
  }
  if (v.startsWith('exec:')) {
    let argv: string[];
    try {
      argv = shlexSplit(v.slice('exec:'.length));
    } catch (e) {
      throw new ValueTypeError(`x_ready command cannot be parsed: ${(e as ShlexError).message}`);
    }
    if (argv.length === 0) throw new ValueTypeError('x_ready exec: command is empty');
    return { kind: 'command', argv };
  }
  throw new ValueTypeError(
    `x_ready must be log:<regex>, log-id:<id>[:<json>], tcp://host:port, http(s)://url or exec:<command>, got '${s}'`,
  );
}

/** The INI text for a readiness spec (before %-escaping, which the renderer applies). */
export function formatReadySpec(spec: ReadinessSpec): string {
  switch (spec.kind) {
    case 'log':
      if (spec.flags || (spec.channel && spec.channel !== 'stdout')) {
        throw new ValueTypeError('a log readiness check with flags or a channel cannot be written to INI; use the API');
      }
      return `log:${spec.pattern}`;
    case 'log-id':
      if (spec.channel && spec.channel !== 'stdout') {
        throw new ValueTypeError('a log-id readiness check with a channel cannot be written to INI; use the API');
      }
      return spec.attr ? `log-id:${spec.id}:${JSON.stringify(spec.attr)}` : `log-id:${spec.id}`;
    case 'tcp':
      return `tcp://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
    case 'http':
      return spec.url;
    case 'command':
      return `exec:${spec.argv.map(quoteArg).join(' ')}`;
  }
}

/** POSIX-shell-style quoting that `shlexSplit` reads back to the same word. */
export function quoteArg(a: string): string {
  if (a === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(a)) return a;
  return `'${a.replaceAll("'", `'"'"'`)}'`;
}
