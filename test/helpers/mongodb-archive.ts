// Builds MongoDB-shaped release archives for download tests: `mongodb-linux-x86_64-<distro>-<version>.tgz`
// holding `<stem>/bin/mongod` and `<stem>/bin/mongos` as small launchers of the simulated servers that
// pin `MONGOSIM_VERSION` to the archive's version. Needs only the simulator bundle directory.

import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { create as createTar } from 'tar';

/** The simulator bundles (`npm run build:fixtures`). */
export const SIM_BUNDLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'dist');

/** Whether the simulated mongos is built yet (the simulator grows in stages; mongod comes first). */

export interface ArchiveOptions {
  readonly version: string;
  /** MongoDB build target. @default 'ubuntu2404' */
  readonly distro?: string;
  /** @default 'x86_64' */
  readonly arch?: string;
  /** @default true */
  readonly includeMongos?: boolean;
  /** Directory with `mongod.mjs` and `mongos.mjs`. @default SIM_BUNDLE_DIR */
  readonly bundleDir?: string;
}

export interface BuiltArchive {
  /** `mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz` */
  readonly name: string;
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly version: string;
  readonly distro: string;
  readonly arch: string;
}

function launcher(version: string, bundle: string): string {
  return [
    '#!/usr/bin/env node',
    `// Test build of MongoDB ${version}: the simulated server, pinned to that version.`,
    `process.env.MONGOSIM_VERSION = ${JSON.stringify(version)};`,
    `await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    '',
  ].join('\n');
}

/** Builds the archive in memory (via a scratch dir under `workDir`, removed before returning). */
export async function buildMongoArchive(workDir: string, options: ArchiveOptions): Promise<BuiltArchive> {
  const distro = options.distro ?? 'ubuntu2404';
  const arch = options.arch ?? 'x86_64';
  const bundleDir = options.bundleDir ?? SIM_BUNDLE_DIR;
  const stem = `mongodb-linux-${arch}-${distro}-${options.version}`;
  const scratch = await mkdtemp(join(workDir, 'archive-'));
  try {
    const bin = join(scratch, stem, 'bin');
    await mkdir(bin, { recursive: true });
    const programs = (options.includeMongos ?? true) ? ['mongod', 'mongos'] : ['mongod'];
    for (const p of programs) {
      await writeFile(join(bin, p), launcher(options.version, join(bundleDir, `${p}.mjs`)));
      await chmod(join(bin, p), 0o755);
    }
    await writeFile(join(scratch, stem, 'LICENSE-Community.txt'), 'Server Side Public License (test archive)\n');
    await writeFile(join(scratch, stem, 'README'), `MongoDB ${options.version} (test archive)\n`);
    const file = join(scratch, `${stem}.tgz`);
    await createTar({ gzip: true, cwd: scratch, file, portable: true }, [stem]);
    const bytes = await readFile(file);
    return {
      name: `${stem}.tgz`,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      version: options.version,
      distro,
      arch,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
