// `mongo-topology download <version>`: pre-fetches MongoDB binaries into the cache (verified by
// sha256, under a cross-process lock), the CI cache step run before test workers start. Prints the
// bin directory on stdout (`--json`: everything about the entry). Honours MONGO_TOPOLOGY_CACHE_DIR
// and MONGO_TOPOLOGY_DOWNLOAD_MIRROR like the library; the flags win over them.

import { Command } from '@commander-js/extra-typings';
import type { BinaryEvent } from '../../index.js';
import { library } from '../library.js';
import { out, outJson, say } from '../output.js';

function describe(e: BinaryEvent): string | undefined {
  switch (e.type) {
    case 'version-list':
      return `version list ${e.url} (${e.from})`;
    case 'version-resolved':
      return `MongoDB ${e.version} for ${e.target} ${e.arch}: ${e.url}`;
    case 'cache-hit':
      return `already cached in ${e.dir}`;
    case 'lock-waiting':
      return `waiting for another process downloading it (${e.lockPath})`;
    case 'download-started':
      return `downloading ${e.url}${e.totalBytes ? ` (${(e.totalBytes / 1024 / 1024).toFixed(1)} MiB)` : ''}`;
    case 'download-retry':
      return `retrying in ${e.delayMs}ms: ${e.reason}`;
    case 'download-finished':
      return `downloaded ${(e.bytes / 1024 / 1024).toFixed(1)} MiB in ${(e.durationMs / 1000).toFixed(1)}s`;
    case 'verified':
      return `sha256 ${e.sha256} verified (${e.checksumFrom})`;
    case 'extracted':
      return `extracted ${e.files.join(', ')} into ${e.dir}`;
    case 'version-checked':
      return `${e.path} runs: version ${e.version}`;
    default:
      return undefined;
  }
}

export function register(program: Command): void {
  program
    .command('download')
    .description('pre-fetch MongoDB binaries into the cache (for CI cache steps); prints the bin directory')
    .argument('<version>', 'version spec: 8.0.4, 8.0, 8, latest, rapid, a semver range')
    .option('--enterprise', 'MongoDB Enterprise')
    .option('--cache-dir <dir>', 'cache root (default $MONGO_TOPOLOGY_CACHE_DIR or ~/.cache/mongo-topology)')
    .option('--mirror <url>', 'download mirror base URL (default $MONGO_TOPOLOGY_DOWNLOAD_MIRROR or MongoDB)')
    .option('--os <os>', 'download for another OS (linux, darwin, win32)')
    .option('--arch <arch>', 'download for another CPU (x64, arm64)')
    .option('--distro <distro>', 'download for another Linux build target (ubuntu2404, debian12, rhel93, ...)')
    .option('--require-mongos', 'fail unless the archive has mongos (sharded clusters)')
    .option('--no-check-version', 'do not run the binaries (when fetching for another platform)')
    .option('--json', 'print the cache entry as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ mongo-topology download 8.0                       # before the tests, in a cached CI step
  $ MONGO_TOPOLOGY_CACHE_DIR=.cache/mongodb mongo-topology download 8.0.4 --require-mongos`,
    )
    .action(async (version, opts) => {
      const platform = {
        ...(opts.os !== undefined ? { os: opts.os } : {}),
        ...(opts.arch !== undefined ? { arch: opts.arch } : {}),
        ...(opts.distro !== undefined ? { distro: opts.distro } : {}),
      };
      let lastProgress = 0;
      const { downloadBinaries } = await library();
      const r = await downloadBinaries({
        version,
        ...(opts.enterprise ? { enterprise: true } : {}),
        ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.mirror !== undefined ? { mirror: opts.mirror } : {}),
        ...(Object.keys(platform).length > 0 ? { platform } : {}),
        ...(opts.requireMongos ? { requireMongos: true } : {}),
        checkVersion: opts.checkVersion,
        onEvent: (e) => {
          if (opts.quiet) return;
          if (e.type === 'download-progress') {
            // A line every 10%: readable in CI logs.
            if (!e.totalBytes) return;
            const pct = Math.floor((10 * e.receivedBytes) / e.totalBytes);
            if (pct > lastProgress && pct < 10) say(`  ${pct * 10}%`);
            lastProgress = Math.max(lastProgress, pct);
            return;
          }
          const text = describe(e);
          if (text) say(text);
        },
      });
      if (opts.json) outJson(r);
      else out(r.binDir);
    });
}
