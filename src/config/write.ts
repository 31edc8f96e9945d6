// Writes a rendered cluster directory to disk: creates the directories every node needs and writes
// each file atomically (temp file in the same directory, mode set, then rename), so a reader never
// sees half a config and a re-render replaces files in place, read-only keyFile included.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** One file of a cluster directory. */
export interface RenderedFile {
  /** Absolute path. */
  readonly path: string;
  readonly contents: string;
  /** File mode, e.g. 0o400 for the keyFile. */
  readonly mode: number;
}

/** What to put on disk. */
export interface ClusterFiles {
  /** Directories to create (data and log directories, config directories), absolute. */
  readonly dirs: readonly string[];
  readonly files: readonly RenderedFile[];
}

/** Writes `contents` to `path` atomically with `mode`. */
export async function writeFileAtomic(path: string, contents: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // chmod after writing: a 0400 file could not be written through its own mode on every platform.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates the directories and writes the files of a cluster directory. Files are written in order,
 * each atomically; directories are created with mode 0700 (data and keyFile stay private).
 *
 * @example
 * ```ts
 * await writeClusterFiles(renderCluster(plan, { binaries, serverVersion }));
 * ```
 */
export async function writeClusterFiles(files: ClusterFiles): Promise<void> {
  for (const dir of files.dirs) await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const file of files.files) {
    await mkdir(dirname(file.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file.path, file.contents, file.mode);
  }
}
