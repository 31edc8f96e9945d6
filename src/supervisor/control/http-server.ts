// The control server: one HTTP server on 127.0.0.1 (and optionally a unix socket) in front of a
// Supervisor, with HTTP Basic auth on every route. Serves supervisord's XML-RPC at /RPC2 (so the
// real supervisorctl works), /logtail and /mainlogtail streams, our JSON API under /api/v1 with
// NDJSON streams for lines and events, and Prometheus text at /metrics.

import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import createDebug from 'debug';
import { RpcFault } from '../faults.js';
import { followFileBytes } from '../logs/follow.js';
import type { Supervisor } from '../supervisor.js';
import { handleJsonApi, readBody, type StreamRegistry } from './json-api.js';
import { renderPrometheus } from './prometheus.js';
import { dispatch, type RpcHost } from './rpc-methods.js';
import { XmlRpcParseError, parseMethodCall, renderFault, renderResponse } from './xmlrpc-codec.js';

const debug = createDebug('mongo-topology:supervisor:http');

export interface ControlServerOptions {
  /** Address to bind. Only loopback is allowed. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 lets the OS pick; null serves only the unix socket. @default 0 */
  readonly port?: number | null;
  /** Also listen on this unix socket path (supervisord's [unix_http_server]). */
  readonly unixSocket?: { readonly path: string; readonly chmod?: number };
  /** Basic auth; both or neither. The password may be `{SHA}<hex sha1>`. */
  readonly username?: string | null;
  readonly password?: string | null;
  /** What the shutdown RPC / JSON shutdown does. @default close the supervisor */
  readonly onShutdown?: () => void;
  /** What the restart RPC does. @default supervisor.restartSupervisor() */
  readonly onRestart?: () => void;
  /** Main log for /mainlogtail and clearLog. */
  readonly mainLog?: { readonly path: string; clear(): void };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Checks HTTP Basic credentials like supervisord's medusa auth handler. */
function authorized(req: IncomingMessage, username: string, password: string): 'ok' | 'bad' | 'undecodable' {
  const header = req.headers.authorization;
  if (!header) return 'bad';
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m) return 'bad';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(m[1])) return 'undecodable';
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const idx = decoded.indexOf(':');
  if (idx === -1) return 'bad';
  const user = decoded.slice(0, idx);
  const pass = decoded.slice(idx + 1);
  const expected = password.startsWith('{SHA}') ? password.slice(5).toLowerCase() : password;
  const given = password.startsWith('{SHA}') ? createHash('sha1').update(pass).digest('hex') : pass;
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  return user === username && same(given, expected) ? 'ok' : 'bad';
}

/**
 * Serves a Supervisor over HTTP. Start with {@link ControlServer.start}; close with `close()` or
 * `await using`.
 * @example
 * await using server = await ControlServer.start(supervisor, { username: 'u', password: 'p' });
 * const client = new SupervisorClient({ url: server.url, username: 'u', password: 'p' });
 */
export class ControlServer implements AsyncDisposable {
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #streams = new Set<{ finish: () => void; completed: Promise<void> }>();
  #closed: Promise<void> | undefined;
  #port = 0;
  readonly rpcHost: RpcHost;

  private constructor(
    readonly supervisor: Supervisor,
    readonly options: ControlServerOptions,
  ) {
    this.rpcHost = {
      supervisor,
      requestShutdown: () => {
        if (options.onShutdown) options.onShutdown();
        else void supervisor.close();
      },
      requestRestart: () => {
        if (options.onRestart) options.onRestart();
        else
          supervisor
            .restartSupervisor()
            .catch((e: unknown) => supervisor.logger.log('error', `restart failed: ${(e as Error).message}`));
      },
      clearMainLog: options.mainLog ? () => options.mainLog!.clear() : undefined,
    };
  }

  /** Starts listening. @throws SupervisorError when the address is not loopback or cannot be bound. */
  static async start(supervisor: Supervisor, options: ControlServerOptions = {}): Promise<ControlServer> {
    const host = options.host ?? '127.0.0.1';
    if (!LOOPBACK.has(host)) {
      throw new RpcFault('BAD_ARGUMENTS', `control server must bind a loopback address, not ${JSON.stringify(host)}`);
    }
    if (((options.username ?? null) === null) !== ((options.password ?? null) === null)) {
      throw new RpcFault('BAD_ARGUMENTS', 'username and password must be given together');
    }
    const s = new ControlServer(supervisor, options);
    try {
      if (options.port !== null) await s.#listenTcp(host, options.port ?? 0);
      if (options.unixSocket) await s.#listenUnix(options.unixSocket.path, options.unixSocket.chmod ?? 0o700);
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  /** `http://127.0.0.1:<port>`, or `unix://<path>` when there is no TCP listener. */
  get url(): string {
    if (this.options.port === null && this.options.unixSocket) return `unix://${this.options.unixSocket.path}`;
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  #makeServer(): Server {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((e: unknown) => {
        debug('internal error on %s %s: %O', req.method, req.url, e);
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('Internal Server Error\n');
        } else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (sock: Socket) => {
      this.#sockets.add(sock);
      sock.on('close', () => this.#sockets.delete(sock));
    });
    this.#servers.push(server);
    return server;
  }

  #listenTcp(host: string, port: number): Promise<void> {
    const server = this.#makeServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        this.#port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async #listenUnix(path: string, mode: number): Promise<void> {
    if (existsSync(path) && statSync(path).isSocket()) unlinkSync(path);
    const server = this.#makeServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, mode);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { username, password } = this.options;
    if (username && password !== undefined && password !== null) {
      const a = authorized(req, username, password);
      if (a !== 'ok') {
        res.writeHead(a === 'undecodable' ? 400 : 401, {
          'WWW-Authenticate': 'Basic realm="default"',
          Connection: 'close',
          'Content-Type': 'text/html',
        });
        res.end(
          a === 'undecodable' ? '<html><body>Bad Request</body></html>\n' : '<html><body>Unauthorized</body></html>\n',
        );
        return;
      }
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path.startsWith('/RPC2')) return this.#xmlrpc(req, res);
    if (path.startsWith('/logtail/') || path === '/logtail') return this.#logtail(req, res, path);
    if (path === '/mainlogtail') return this.#mainlogtail(req, res);
    if (path === '/metrics') {
      const metrics = await this.supervisor.metrics().catch(() => []);
      const body = renderPrometheus(this.supervisor.state === 'RUNNING', this.supervisor.identifier, metrics);
      res.writeHead(200, {
        'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    if (path.startsWith('/api/')) {
      const registry: StreamRegistry = (stream) => {
        this.#streams.add(stream);
        return () => this.#streams.delete(stream);
      };
      return handleJsonApi(this.supervisor, this.rpcHost, req, res, url, registry);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not Found\n');
  }

  async #xmlrpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(400, { 'Content-Type': 'text/html' });
      res.end('<html><body>Bad Request</body></html>\n');
      return;
    }
    const body = await readBody(req, 16 * 1024 * 1024);
    let call;
    try {
      call = parseMethodCall(body.toString('utf8'));
    } catch (e) {
      if (!(e instanceof XmlRpcParseError)) throw e;
      debug('bad XML-RPC request: %s', e.message);
      res.writeHead(400, { 'Content-Type': 'text/html' });
      res.end('<html><body>Bad Request</body></html>\n');
      return;
    }
    let xml: string;
    try {
      xml = renderResponse(await dispatch(this.rpcHost, call.methodName, call.params));
    } catch (e) {
      if (!(e instanceof RpcFault)) throw e;
      xml = renderFault(e.faultCode!, e.faultString);
    }
    const buf = Buffer.from(xml, 'utf8');
    res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': buf.length });
    res.end(buf);
  }

  #streamFile(req: IncomingMessage, res: ServerResponse, file: string): void {
    const mtime = statSync(file).mtime;
    res.writeHead(200, {
      'Content-Type': 'text/plain;charset=utf-8',
      'X-Accel-Buffering': 'no',
      'Last-Modified': mtime.toUTCString(),
    });
    res.flushHeaders();
    const abort = new AbortController();
    const queue = followFileBytes(file, { backlogBytes: 1024, signal: abort.signal });
    const stop = () => abort.abort();
    let done!: () => void;
    const entry = { finish: stop, completed: new Promise<void>((r) => (done = r)) };
    this.#streams.add(entry);
    const unregister = () => {
      this.#streams.delete(entry);
      done();
    };
    res.on('close', stop);
    req.on('close', stop);
    void (async () => {
      try {
        for await (const chunk of queue) {
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        }
      } catch {
        // Client gone or file unreadable: end the stream.
      } finally {
        unregister();
        res.end();
      }
    })();
  }

  async #logtail(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET') {
      res.writeHead(400);
      res.end();
      return;
    }
    const rest = decodeURIComponent(path.replace(/^\/+logtail\/?/, ''));
    const slash = rest.indexOf('/');
    const name = slash === -1 ? rest : rest.slice(0, slash);
    const channel = slash === -1 ? 'stdout' : rest.slice(slash + 1);
    let file: string | null = null;
    try {
      const [p] = this.supervisor.resolve(name);
      const idx = name.indexOf(':');
      const exact = idx === -1 || (name.slice(idx + 1) !== '' && name.slice(idx + 1) !== '*');
      if (p && exact && (channel === 'stdout' || channel === 'stderr'))
        file = channel === 'stdout' ? p.config.stdoutLogfile : p.config.stderrLogfile;
    } catch {
      file = null;
    }
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not Found</body></html>\n');
      return;
    }
    this.#streamFile(req, res, file);
  }

  async #mainlogtail(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = this.options.mainLog?.path;
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not Found</body></html>\n');
      return;
    }
    this.#streamFile(req, res, file);
  }

  /** Stops listening, ends open streams (after delivering what they hold) and connections. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const streams = [...this.#streams];
      for (const s of streams) s.finish();
      await Promise.race([
        Promise.all(streams.map((s) => s.completed)),
        new Promise((r) => setTimeout(r, 2000).unref()),
      ]);
      await Promise.all(
        this.#servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (!s.listening) return resolve();
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      for (const sock of this.#sockets) sock.destroy();
      const unix = this.options.unixSocket?.path;
      if (unix && existsSync(unix)) {
        try {
          unlinkSync(unix);
        } catch {
          // Someone else removed it.
        }
      }
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
