// A MongoDB download mirror for tests, on 127.0.0.1 with an OS-chosen port: serves a version list in
// full.json's shape (archive URLs on fastdl.mongodb.org, as MongoDB publishes them, so the mirror
// rewrite is exercised) and the archives under /linux/, logs every request, and can inject faults.

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuiltArchive } from './mongodb-archive.js';

export interface MirrorRelease {
  readonly version: string;
  readonly archives: readonly BuiltArchive[];
  /** @default true */
  readonly production?: boolean;
  /** @default false */
  readonly continuous?: boolean;
  /** Publish this sha256 instead of the archive's real one (`''` publishes none). */
  readonly publishedSha256?: string;
}

/** What to do instead of serving a path normally. */
export type Fault =
  | { readonly kind: 'status'; readonly status: number }
  /** Announce the full Content-Length, send only `bytes`, then cut the connection. */
  | { readonly kind: 'cut'; readonly bytes: number }
  /** Serve these bytes (with a matching Content-Length). */
  | { readonly kind: 'body'; readonly body: Buffer }
  /** Answer normally once `until` settles (lets a test hold a download in flight). */
  | { readonly kind: 'hold'; readonly until: Promise<unknown> };

export interface Mirror {
  /** Base URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** Every request path, in order. */
  readonly requests: string[];
  /** Requests whose path ends with `suffix`. */
  count(suffix: string): number;
  fault(path: string, fault: Fault | undefined): void;
  setReleases(releases: readonly MirrorRelease[]): void;
  /** Extra files, e.g. `.sha256` files. */
  setFile(path: string, body: Buffer | undefined): void;
  close(): Promise<void>;
}

export function fullJsonFor(releases: readonly MirrorRelease[]): unknown {
  return {
    versions: releases.map((r) => ({
      changes: `https://jira.mongodb.org/issues/?jql=fixVersion%20%3D%20${r.version}`,
      notes: `https://www.mongodb.com/docs/upcoming/release-notes/`,
      date: '2025-01-01',
      githash: '0'.repeat(40),
      continuous_release: r.continuous ?? false,
      current: false,
      development_release: false,
      lts_release: false,
      production_release: r.production ?? true,
      release_candidate: false,
      version: r.version,
      downloads: r.archives.map((a) => ({
        arch: a.arch,
        edition: 'targeted',
        target: a.distro,
        archive: {
          debug_symbols: '',
          sha1: '',
          sha256: r.publishedSha256 ?? a.sha256,
          url: `https://fastdl.mongodb.org/linux/${a.name}`,
        },
        packages: [],
      })),
    })),
  };
}

export async function startMirror(initial: readonly MirrorRelease[]): Promise<Mirror> {
  const files = new Map<string, Buffer>();
  const extra = new Map<string, Buffer>();
  const faults = new Map<string, Fault>();
  const requests: string[] = [];
  const setReleases = (releases: readonly MirrorRelease[]) => {
    files.clear();
    files.set('/full.json', Buffer.from(JSON.stringify(fullJsonFor(releases))));
    for (const r of releases) for (const a of r.archives) files.set(`/linux/${a.name}`, a.bytes);
  };
  setReleases(initial);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const fault = faults.get(path);
    if (fault?.kind === 'hold') {
      void fault.until.finally(() => answer(path, undefined, req.method, res));
      return;
    }
    answer(path, fault, req.method, res);
  });
  const answer = (path: string, fault: Fault | undefined, method: string | undefined, res: ServerResponse) => {
    const body = fault?.kind === 'body' ? fault.body : (extra.get(path) ?? files.get(path));
    if (fault?.kind === 'status') {
      res.writeHead(fault.status).end();
      return;
    }
    if (!body || method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    if (fault?.kind === 'cut') {
      res.write(body.subarray(0, fault.bytes), () => res.destroy());
      return;
    }
    res.end(body);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    count: (suffix) => requests.filter((p) => p.endsWith(suffix)).length,
    fault: (path, f) => (f ? faults.set(path, f) : faults.delete(path)),
    setReleases,
    setFile: (path, b) => (b ? extra.set(path, b) : extra.delete(path)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
