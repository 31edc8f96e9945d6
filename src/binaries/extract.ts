// Extracts a verified MongoDB archive (mongod AND mongos, hard links and all) with
// @mongodb-js/mongodb-downloader, MongoDB's own extractor (tar with strip 1 for .tgz, decompress for
// .zip, the macOS strip-depth quirk).
//
// Why the loopback server: the downloader only takes a URL and pipes the HTTP body straight into the
// extractor, so it cannot check a checksum before extracting (it checks none at all). We download and
// verify the archive ourselves first (download.ts), then hand the verified file to the downloader over
// a one-shot HTTP server on 127.0.0.1, so the bytes it extracts are exactly the bytes we verified.

import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { downloadMongoDbWithVersionInfo } from '@mongodb-js/mongodb-downloader';
import { BinaryFailure } from './failure.js';

/**
 * Extracts `archiveFile` (named `archiveName`, whose extension picks the format) into a new directory
 * under `intoDir` and returns that directory (the archive's top level, stripped: it holds `bin/`).
 */
export async function extractArchive(
  archiveFile: string,
  archiveName: string,
  intoDir: string,
  signal?: AbortSignal,
): Promise<string> {
  signal?.throwIfAborted();
  const token = randomBytes(16).toString('hex');
  const route = `/${token}/${encodeURIComponent(archiveName)}`;
  const size = (await stat(archiveFile)).size;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    createReadStream(archiveFile)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // The downloader takes no signal; cutting its connection makes it fail promptly.
  const onAbort = () => server.closeAllConnections();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { port } = server.address() as AddressInfo;
    const result = await downloadMongoDbWithVersionInfo({
      directory: intoDir,
      downloadUrl: `http://127.0.0.1:${port}${route}`,
      useLockfile: false, // we hold our own lock around the whole download
    });
    const root = dirname(result.downloadedBinDir);
    // Leftovers that are not part of MongoDB's archive: the zip the downloader saved before unpacking,
    // and its marker, which names our dead loopback URL.
    await rm(join(root, archiveName), { force: true });
    await rm(join(result.downloadedBinDir, '.artifact_info'), { force: true });
    return root;
  } catch (e) {
    signal?.throwIfAborted();
    const entries = await readdir(intoDir, { recursive: true }).catch(() => []);
    throw new BinaryFailure('MT_ARCHIVE_INVALID', `Could not extract ${archiveName}: ${(e as Error).message}`, {
      hint: `The archive passed its checksum but does not unpack${entries.length ? ` (got ${entries.length} entries before the error)` : ''}: the published file itself is damaged or not a MongoDB archive. Try another version or mirror.`,
      reason: `extraction failed: ${(e as Error).message}`,
      cause: e,
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
