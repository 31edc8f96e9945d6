// `mongo-topology download <version>` against a local mirror (127.0.0.1, port 0) serving a version
// list and archives built around the simulator: the bin directory on stdout, a verified cache entry,
// no second download, the mirror taken from MONGO_TOPOLOGY_DOWNLOAD_MIRROR as well as --mirror, and
// a clear error for a version the mirror does not have.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliTestDir, cliOk, requireBuiltCli, runCli } from '../../helpers/cli.js';
import { startMirror, type Mirror } from '../../helpers/download-mirror.js';
import { buildMongoArchive } from '../../helpers/mongodb-archive.js';

const ARCHIVE = '/linux/mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz';

let dir: CliTestDir | undefined;
let mirror: Mirror | undefined;
beforeAll(requireBuiltCli);
afterEach(async () => {
  await mirror?.close();
  mirror = undefined;
  await dir?.cleanup();
  dir = undefined;
});

describe('mongo-topology download', { timeout: 120_000 }, () => {
  it('pre-fetches a verified build into the cache, once', async () => {
    dir = new CliTestDir();
    const archive = await buildMongoArchive(dir.path, { version: '8.0.4' });
    mirror = await startMirror([{ version: '8.0.4', archives: [archive] }]);
    // The platform is fixed so the test does not depend on this machine's distro.
    const platform = ['--os', 'linux', '--arch', 'x64', '--distro', 'ubuntu2404'];
    const first = await cliOk(dir, ['download', '8.0', '--mirror', mirror.url, ...platform, '--require-mongos']);
    const binDir = first.stdout.trim();
    expect(binDir.startsWith(join(dir.path, 'cache'))).toBe(true);
    expect(existsSync(join(binDir, 'mongod'))).toBe(true);
    expect(existsSync(join(binDir, 'mongos'))).toBe(true);
    expect(first.stderr).toContain('MongoDB 8.0.4 for ubuntu2404');
    expect(first.stderr).toMatch(/sha256 [0-9a-f]{64} verified/);
    expect(mirror.count(ARCHIVE)).toBe(1);

    // Again, with the mirror from the environment: a cache hit, nothing downloaded.
    const again = await cliOk(dir, ['download', '8.0.4', ...platform, '--json'], {
      MONGO_TOPOLOGY_DOWNLOAD_MIRROR: mirror.url,
    });
    expect(JSON.parse(again.stdout)).toMatchObject({
      version: '8.0.4',
      binDir,
      fromCache: true,
      sha256: archive.sha256,
    });
    expect(mirror.count(ARCHIVE)).toBe(1);

    const missing = await runCli(dir, ['download', '7.0', '--mirror', mirror.url, ...platform]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('MT_VERSION_NOT_AVAILABLE');
    expect(missing.stdout).toBe('');
  });
});
