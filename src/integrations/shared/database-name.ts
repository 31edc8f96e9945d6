// A database of its own for each test file: the name comes from the file's path and the worker
// running it, so files running at the same time against one shared cluster never see each other's
// data. MongoDB's rules for names (manual, "Naming Restrictions"): fewer than 64 bytes, i.e. at most
// 63 bytes, none of `/\. "$*<>:|?` or NUL, and names that differ only in case collide; so the name
// is lower-case ASCII letters, digits and `_`, and a hash of the full path and worker keeps names
// that were shortened or had characters replaced apart.

import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import { TopologyConfigError } from '../../errors.js';

/** The longest database name MongoDB accepts, in bytes. */
export const MAX_DATABASE_NAME_BYTES = 63;

/** Options of {@link databaseName}. */
export interface DatabaseNameOptions {
  /** The worker running the file. @default `$VITEST_POOL_ID`, else `$JEST_WORKER_ID`, else `0` */
  readonly workerId?: string | number;
  /** The path is made relative to this directory. @default process.cwd() */
  readonly root?: string;
  /** Starts every name, so test databases are easy to recognise: letters, digits, `_`, `-`; at most 16. @default 't_' */
  readonly prefix?: string;
}

/**
 * A database name for one test file in one worker: `t_<file>_w<worker>_<hash>`, valid in MongoDB
 * and at most 63 bytes; the same inputs always give the same name.
 *
 * @throws TopologyConfigError for a prefix MongoDB would reject or that leaves no room for the rest.
 * @example
 * ```ts
 * databaseName('/repo/test/users.test.ts', { root: '/repo', workerId: 2 }); // 't_test_users_w2_1c0f9a2b'
 * ```
 */
export function databaseName(testFile: string, options: DatabaseNameOptions = {}): string {
  const prefix = options.prefix ?? 't_';
  if (!/^[A-Za-z0-9_-]{0,16}$/.test(prefix)) {
    throw new TopologyConfigError(
      `Invalid database name prefix ${JSON.stringify(prefix)}: use at most 16 letters, digits, "_" or "-"`,
    );
  }
  const worker = String(
    options.workerId ?? process.env.VITEST_POOL_ID ?? process.env.JEST_WORKER_ID ?? '0',
  ).toLowerCase();
  const rel = relative(options.root ?? process.cwd(), testFile)
    .split(sep)
    .join('/');
  const hash = createHash('sha256').update(`${rel}\0${worker}`).digest('hex').slice(0, 8);
  const workerPart = `_w${worker.replace(/[^a-z0-9]+/g, '').slice(0, 8) || '0'}_`;
  const stem = rel
    .replace(/^(\.\.\/)+/, '')
    .replace(/(\.(test|spec))?\.[cm]?[jt]sx?$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const room = MAX_DATABASE_NAME_BYTES - prefix.length - workerPart.length - hash.length;
  // Keep the end of the path: the file name says more than the directories above it.
  const slug = stem.slice(-room).replace(/^_+/, '') || 'file';
  return `${prefix}${slug}${workerPart}${hash}`;
}
