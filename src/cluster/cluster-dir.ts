// The cluster directory's life: where it is (the user's `.dataDir()`/`clusterDir`, else a new temp
// dir), whether another live cluster already uses it, and how it is removed. A directory that
// existed before the cluster is never removed as a whole: only the entries mongo-topology writes in
// it (DESIGN.md "Cluster directory") are, so pointing `.dataDir()` at the wrong place cannot delete
// someone's files.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TopologyConfigError } from '../errors.js';
import { STATE_FILE } from './state-file.js';

/** Files and directories mongo-topology writes into a cluster directory. */
export const CLUSTER_ENTRIES: readonly string[] = Object.freeze([
  STATE_FILE,
  'supervisor.ini',
  'supervisor.log',
  'supervisor.pid',
  'supervisor.stderr.log',
  'keyfile',
  'conf',
  'data',
  'logs',
]);

/** Also ours: rotated supervisor logs and the temp files of atomic writes. */
const OUR_PATTERNS = [/^supervisor\.log\.\d+$/, /^\.[\w.-]+\.[0-9a-f]{12}\.tmp$/];

/** Where a cluster lives and what of it is ours to remove. */
export interface ClusterDir {
  readonly path: string;
  /** True when mongo-topology creates the directory itself (then it removes all of it). */
  readonly ownsDir: boolean;
}

/** Cluster directories in use by clusters of this process (pid checks cannot tell those apart). */
const IN_USE = new Set<string>();

/** Marks a directory as used by a cluster of this process until {@link releaseClusterDir}. */
export function claimClusterDir(dir: ClusterDir): void {
  IN_USE.add(dir.path);
}

/** Ends the claim of {@link claimClusterDir}. */
export function releaseClusterDir(dir: ClusterDir): void {
  IN_USE.delete(dir.path);
}

/** A process id read from a file, if the process still runs. */
function livePid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? -1 : undefined;
  }
}

/** The owner or supervisor pid recorded in a cluster.json, if one of them still runs. */
function liveClusterIn(dir: string): { pid: number; role: string } | undefined {
  try {
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as {
      owner?: { pid?: number };
      supervisor?: { pid?: number };
      state?: string;
    };
    if (state.state === 'stopped') return undefined;
    for (const [role, pid] of [
      ['supervisor', state.supervisor?.pid],
      ['owner', state.owner?.pid],
    ] as const) {
      if (typeof pid !== 'number' || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
        return { pid, role };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPERM') return { pid, role };
      }
    }
  } catch {
    // No cluster.json, or not one of ours.
  }
  const sup = livePid(join(dir, 'supervisor.pid'));
  return sup !== undefined && sup !== process.pid ? { pid: sup, role: 'supervisor' } : undefined;
}

/**
 * Decides the cluster directory. An explicit directory is checked (refused when a live cluster uses
 * it) and cleared of a previous cluster's files, then created if missing; a temp directory is only
 * named here and created by {@link createClusterDir} once the reaper watches it.
 *
 * @throws TopologyConfigError when another cluster still runs in the directory.
 */
export function chooseClusterDir(options: {
  readonly explicit?: string;
  readonly tmpDir?: string;
  readonly name: string;
}): ClusterDir {
  if (options.explicit !== undefined) {
    const path = resolve(options.explicit);
    if (existsSync(path)) {
      const live = IN_USE.has(path) ? { pid: process.pid, role: 'owner' } : liveClusterIn(path);
      if (live) {
        throw new TopologyConfigError(`A cluster is already running in ${path}`, {
          problems: [
            {
              path: 'dataDir',
              message:
                live.pid === process.pid
                  ? 'a cluster started by this process uses it; stop that cluster or choose another directory'
                  : `its ${live.role} (pid ${live.pid}) is alive; stop that cluster or choose another directory`,
            },
          ],
        });
      }
      removeEntries(path);
      return { path, ownsDir: false };
    }
    return { path, ownsDir: true };
  }
  const parent = resolve(options.tmpDir ?? tmpdir());
  return { path: join(parent, `mongo-topology-${options.name}-${randomBytes(6).toString('hex')}`), ownsDir: true };
}

/** Creates the directory (mode 0700) if it is ours to create. */
export function createClusterDir(dir: ClusterDir): void {
  mkdirSync(dir.path, { recursive: true, mode: 0o700 });
}

/** Removes what of the cluster directory is ours: all of it, or our entries in a directory we did not create. */
export function removeClusterDir(dir: ClusterDir): void {
  if (dir.ownsDir) {
    rmSync(dir.path, { recursive: true, force: true, maxRetries: 3 });
    return;
  }
  removeEntries(dir.path);
}

function removeEntries(path: string): void {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return;
  }
  for (const name of names) {
    if (CLUSTER_ENTRIES.includes(name) || OUR_PATTERNS.some((p) => p.test(name))) {
      rmSync(join(path, name), { recursive: true, force: true, maxRetries: 3 });
    }
  }
}
