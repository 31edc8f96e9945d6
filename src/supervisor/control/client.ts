// A typed client for a supervisor in another process (our daemon, or a ControlServer attached to an
// in-process Supervisor): the same SupervisorControl interface over the JSON API, with errors
// rebuilt as the same classes the local supervisor throws.

import { request, type IncomingMessage } from 'node:http';
import { StartupTimeoutError, SupervisorError } from '../../errors.js';
import type {
  ActionOptions,
  EventSubscriptionOptions,
  FollowOptions,
  LineStreamOptions,
  LogLine,
  LogReadOptions,
  ProcessInfo,
  ProcessMetrics,
  SupervisorControl,
  SupervisorEvent,
  SupervisorStatus,
  WaitOptions,
} from './types.js';
import { API_PREFIX, fromWire, type WireError } from './wire.js';

export interface SupervisorClientOptions {
  /** `http://127.0.0.1:9001` or `unix:///path/to/supervisor.sock`. */
  readonly url: string;
  readonly username?: string | null;
  readonly password?: string | null;
  /** Deadline for calls that do not wait on processes. @default 30000 */
  readonly requestTimeoutMs?: number;
}

/**
 * Controls a supervisor over HTTP.
 * @example
 * const client = new SupervisorClient({ url: 'http://127.0.0.1:9001', username: 'mt', password: secret });
 * await client.restart('rs0-1');
 * await client.waitReady('rs0-1', { timeoutMs: 30_000 });
 */
export class SupervisorClient implements SupervisorControl {
  readonly #target: { host?: string; port?: number; socketPath?: string };
  readonly #auth: string | undefined;
  readonly #timeoutMs: number;

  constructor(readonly options: SupervisorClientOptions) {
    if (options.url.startsWith('unix://')) this.#target = { socketPath: options.url.slice('unix://'.length) };
    else {
      const u = new URL(options.url);
      if (u.protocol !== 'http:')
        throw new SupervisorError(`unsupported supervisor URL ${options.url}: use http:// or unix://`);
      this.#target = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) };
    }
    this.#auth =
      options.username && options.password !== undefined && options.password !== null
        ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
        : undefined;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Sends a request; resolves with the response once headers arrived. */
  #send(
    method: string,
    path: string,
    body: unknown,
    timeoutMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...this.#target,
          path: `${API_PREFIX}${path}`,
          method,
          agent: false,
          signal,
          headers: {
            Accept: 'application/json',
            ...(this.#auth ? { Authorization: this.#auth } : {}),
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          if (timer) clearTimeout(timer);
          resolve(res);
        },
      );
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              req.destroy(
                new StartupTimeoutError(
                  `Timed out after ${timeoutMs}ms waiting for the supervisor at ${this.options.url} to answer ${method} ${path}`,
                  {
                    waitingFor: `${method} ${path}`,
                    timeoutMs,
                  },
                ),
              );
            }, timeoutMs);
      req.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(
          e instanceof StartupTimeoutError || e.name === 'AbortError'
            ? e
            : new SupervisorError(`cannot reach the supervisor at ${this.options.url}: ${e.message}`, {
                cause: e,
                code: 'MT_SUPERVISOR_UNREACHABLE',
              }),
        );
      });
      req.end(payload);
    });
  }

  async #json<T>(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs: number | undefined = this.#timeoutMs,
  ): Promise<T> {
    const res = await this.#send(method, path, body, timeoutMs);
    const chunks: Buffer[] = [];
    for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    if (res.statusCode === 401)
      throw new SupervisorError(`the supervisor at ${this.options.url} rejected our credentials (HTTP 401)`, {
        code: 'MT_SUPERVISOR_AUTH',
      });
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new SupervisorError(
        `unexpected answer from ${this.options.url} to ${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`,
      );
    }
    if (res.statusCode === undefined || res.statusCode >= 300) {
      const err = (parsed as { error?: WireError } | undefined)?.error;
      if (err) throw fromWire(err, `${method} ${path}`);
      throw new SupervisorError(`${method} ${path} failed with HTTP ${res.statusCode}`);
    }
    return parsed as T;
  }

  /** Opens an NDJSON stream; resolves once the server has subscribed (headers received). */
  async #stream<T>(
    path: string,
    signal: AbortSignal | undefined,
    map: (v: unknown) => T,
  ): Promise<AsyncIterableIterator<T>> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const res = await this.#send('GET', path, undefined, this.#timeoutMs, controller.signal);
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
      const err = (JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { error?: WireError }).error;
      signal?.removeEventListener('abort', onAbort);
      throw err ? fromWire(err, `GET ${path}`) : new SupervisorError(`GET ${path} failed with HTTP ${res.statusCode}`);
    }
    const url = this.options.url;
    async function* lines(): AsyncGenerator<T> {
      let buf = '';
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          buf += chunk.toString('utf8');
          let nl = buf.indexOf('\n');
          while (nl !== -1) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            nl = buf.indexOf('\n');
            if (!line) continue;
            const v = JSON.parse(line) as { error?: WireError };
            if (v && typeof v === 'object' && 'error' in v && v.error)
              throw fromWire(v.error, `stream ${path} from ${url}`);
            yield map(v);
          }
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        throw e;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        controller.abort();
        res.destroy();
      }
    }
    return lines();
  }

  getStatus(): Promise<SupervisorStatus> {
    return this.#json('GET', '/status');
  }

  status(names = 'all'): Promise<ProcessInfo[]> {
    return this.#json('GET', `/processes?names=${encodeURIComponent(names)}`);
  }

  info(name: string): Promise<ProcessInfo> {
    return this.#json('GET', `/processes/${encodeURIComponent(name)}`);
  }

  #actionTimeout(options?: ActionOptions): number | undefined {
    return options?.timeoutMs === undefined ? undefined : options.timeoutMs + this.#timeoutMs;
  }

  start(names: string, options?: ActionOptions): Promise<ProcessInfo[]> {
    return this.#json(
      'POST',
      `/processes/${encodeURIComponent(names)}/start`,
      options ?? {},
      this.#actionTimeout(options),
    );
  }

  stop(names: string, options?: ActionOptions): Promise<ProcessInfo[]> {
    return this.#json(
      'POST',
      `/processes/${encodeURIComponent(names)}/stop`,
      options ?? {},
      this.#actionTimeout(options),
    );
  }

  restart(names: string, options?: ActionOptions): Promise<ProcessInfo[]> {
    return this.#json(
      'POST',
      `/processes/${encodeURIComponent(names)}/restart`,
      options ?? {},
      this.#actionTimeout(options),
    );
  }

  signal(names: string, signal: string | number): Promise<ProcessInfo[]> {
    return this.#json('POST', `/processes/${encodeURIComponent(names)}/signal`, { signal });
  }

  async tail(name: string, options?: LogReadOptions): Promise<string> {
    const q = new URLSearchParams({
      channel: options?.channel ?? 'stdout',
      ...(options?.bytes !== undefined ? { bytes: String(options.bytes) } : {}),
    });
    return (await this.#json<{ data: string }>('GET', `/processes/${encodeURIComponent(name)}/tail?${q}`)).data;
  }

  follow(name: string, options?: FollowOptions): Promise<AsyncIterableIterator<string>> {
    const q = new URLSearchParams({
      channel: options?.channel ?? 'stdout',
      backlogBytes: String(options?.backlogBytes ?? 0),
    });
    return this.#stream(
      `/processes/${encodeURIComponent(name)}/follow?${q}`,
      options?.signal,
      (v) => (v as { data: string }).data,
    );
  }

  lines(names: string, options?: LineStreamOptions): Promise<AsyncIterableIterator<LogLine>> {
    const from = options?.from === undefined || options.from === 'now' ? 'now' : String(options.from.offset);
    const q = new URLSearchParams({ channel: options?.channel ?? 'both', from });
    return this.#stream(`/processes/${encodeURIComponent(names)}/lines?${q}`, options?.signal, (v) => v as LogLine);
  }

  events(options?: EventSubscriptionOptions): Promise<AsyncIterableIterator<SupervisorEvent>> {
    const q = new URLSearchParams();
    if (options?.types?.length) q.set('types', options.types.join(','));
    if (options?.names?.length) q.set('names', options.names.join(','));
    if (options?.afterSerial !== undefined) q.set('after', String(options.afterSerial));
    return this.#stream(`/events?${q}`, options?.signal, (v) => v as SupervisorEvent);
  }

  waitFor(name: string, options: WaitOptions): Promise<ProcessInfo> {
    return this.#json(
      'POST',
      `/processes/${encodeURIComponent(name)}/wait`,
      options,
      options.timeoutMs + this.#timeoutMs,
    );
  }

  waitReady(name: string, options: { readonly timeoutMs: number }): Promise<ProcessInfo> {
    return this.waitFor(name, { ready: true, timeoutMs: options.timeoutMs });
  }

  metrics(names = 'all'): Promise<ProcessMetrics[]> {
    return this.#json('GET', `/metrics?names=${encodeURIComponent(names)}`);
  }

  /** Asks the supervisor to shut down (it stops every program, then the daemon exits). Returns once accepted. */
  async shutdown(): Promise<void> {
    await this.#json('POST', '/shutdown');
  }
}
