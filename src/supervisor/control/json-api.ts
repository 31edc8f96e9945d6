// The JSON API (under /api/v1): the SupervisorControl operations as plain HTTP + JSON, with NDJSON
// streams for log lines, raw log follow and events. Each stream's response headers are sent only
// after the subscription is in place, so a client that has its headers has missed nothing.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { SupervisorError } from '../../errors.js';
import { RpcFault } from '../faults.js';
import type { Supervisor } from '../supervisor.js';
import type { RpcHost } from './rpc-methods.js';
import type { ActionOptions, LineStreamOptions, WaitOptions } from './types.js';
import { API_PREFIX, httpStatusOf, toWire } from './wire.js';

/** Reads a request body up to `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new RpcFault('BAD_ARGUMENTS', `request body larger than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

async function jsonBody<T>(req: IncomingMessage): Promise<T> {
  const buf = await readBody(req, 1024 * 1024);
  if (buf.length === 0) return {} as T;
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    throw new RpcFault('BAD_ARGUMENTS', 'request body is not JSON');
  }
}

/** Lets the server finish open streams when it closes: `finish` ends gracefully, `completed` settles after. */
export type StreamRegistry = (stream: { finish: () => void; completed: Promise<void> }) => () => void;

/** Streams `items` as NDJSON until the client goes away or the server stops it. */
async function streamNdjson(
  req: IncomingMessage,
  res: ServerResponse,
  items: AsyncIterableIterator<unknown>,
  register: StreamRegistry,
  toLine: (item: unknown) => string = (i) => `${JSON.stringify(i)}\n`,
): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'application/x-ndjson',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let stopped = false;
  // The client went away: drop whatever is buffered.
  const abandon = () => {
    if (stopped) return;
    stopped = true;
    void items.return?.();
  };
  // The server is closing: deliver what is buffered, then end (a queue's end() does exactly that).
  const finish = () => {
    const end = (items as { end?: () => void }).end;
    if (typeof end === 'function') end.call(items);
    else abandon();
  };
  let done!: () => void;
  const completed = new Promise<void>((r) => (done = r));
  const unregister = register({ finish, completed });
  res.on('close', abandon);
  req.on('close', abandon);
  try {
    for await (const item of items) {
      if (!res.write(toLine(item))) await new Promise((r) => res.once('drain', r));
    }
  } catch (e) {
    // A broken subscription ends the stream with a final error record the client turns into a throw.
    if (!res.writableEnded) res.write(`${JSON.stringify({ error: toWire(e) })}\n`);
  } finally {
    unregister();
    res.end();
    done();
  }
}

/** Routes one /api/v1 request. */
export async function handleJsonApi(
  sup: Supervisor,
  host: RpcHost,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  register: StreamRegistry,
): Promise<void> {
  try {
    await route(sup, host, req, res, url, register);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = httpStatusOf(e);
    send(res, status, { error: toWire(e) });
  }
}

async function route(
  sup: Supervisor,
  host: RpcHost,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  register: StreamRegistry,
): Promise<void> {
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw new RpcFault('UNKNOWN_METHOD', url.pathname);
  const parts = url.pathname
    .slice(API_PREFIX.length + 1)
    .split('/')
    .map(decodeURIComponent);
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const [head, name, action] = parts;

  if (head === 'status' && method === 'GET') return send(res, 200, await sup.getStatus());
  if (head === 'shutdown' && method === 'POST') {
    send(res, 202, { ok: true });
    host.requestShutdown();
    return;
  }
  if (head === 'metrics' && method === 'GET') return send(res, 200, await sup.metrics(q.get('names') ?? 'all'));
  if (head === 'events' && method === 'GET') {
    const types = q.get('types')?.split(',').filter(Boolean);
    const names = q.get('names')?.split(',').filter(Boolean);
    const after = q.get('after');
    const events = sup.events$({ types, names, afterSerial: after === null ? undefined : Number(after) });
    return streamNdjson(req, res, events, register);
  }
  if (head === 'processes') {
    if (name === undefined) {
      if (method === 'GET') return send(res, 200, await sup.status(q.get('names') ?? 'all'));
      throw new RpcFault('UNKNOWN_METHOD', url.pathname);
    }
    if (action === undefined && method === 'GET') return send(res, 200, await sup.info(name));
    if (method === 'POST' && (action === 'start' || action === 'stop' || action === 'restart')) {
      const body = await jsonBody<ActionOptions>(req);
      const opts: ActionOptions = { wait: body.wait, timeoutMs: body.timeoutMs };
      return send(res, 200, await sup[action](name, opts));
    }
    if (method === 'POST' && action === 'signal') {
      const body = await jsonBody<{ signal?: string | number }>(req);
      if (body.signal === undefined) throw new RpcFault('BAD_SIGNAL', 'missing "signal"');
      return send(res, 200, await sup.signal(name, body.signal));
    }
    if (method === 'POST' && action === 'wait') {
      const body = await jsonBody<WaitOptions>(req);
      if (typeof body.timeoutMs !== 'number') throw new RpcFault('BAD_ARGUMENTS', 'timeoutMs (number) is required');
      return send(res, 200, await sup.waitFor(name, body));
    }
    if (method === 'GET' && action === 'tail') {
      const channel = q.get('channel') === 'stderr' ? 'stderr' : 'stdout';
      const bytes = q.has('bytes') ? Number(q.get('bytes')) : undefined;
      return send(res, 200, { data: await sup.tail(name, { channel, bytes }) });
    }
    if (method === 'GET' && action === 'follow') {
      const channel = q.get('channel') === 'stderr' ? 'stderr' : 'stdout';
      const abort = new AbortController();
      const chunks = await sup.follow(name, {
        channel,
        backlogBytes: Number(q.get('backlogBytes') ?? 0),
        signal: abort.signal,
      });
      return streamNdjson(
        req,
        res,
        chunks,
        (stream) =>
          register({
            finish: () => {
              abort.abort();
              stream.finish();
            },
            completed: stream.completed,
          }),
        (c) => `${JSON.stringify({ data: c })}\n`,
      );
    }
    if (method === 'GET' && action === 'lines') {
      const ch = q.get('channel');
      const from = q.get('from');
      const options: LineStreamOptions = {
        channel: ch === 'stdout' || ch === 'stderr' ? ch : 'both',
        from: from === null || from === 'now' ? 'now' : { offset: Number(from) },
      };
      if (options.from !== 'now' && !Number.isInteger(options.from?.offset))
        throw new RpcFault('BAD_ARGUMENTS', `from must be "now" or a byte offset, got ${from}`);
      return streamNdjson(req, res, sup.subscribeLines(name, options), register);
    }
  }
  throw new SupervisorError(`no such endpoint: ${method} ${url.pathname}`, { code: 'MT_SUPERVISOR_NOT_FOUND' });
}
