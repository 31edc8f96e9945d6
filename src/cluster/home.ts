// The state directory of long-lived clusters (the CLI's `~/.mongo-topology`): one entry per named
// cluster under `<home>/clusters/<name>`, either the cluster directory itself or a symlink to a
// cluster directory the user chose (`--data-dir`). This module reserves names (atomically, so two
// `up --name x` cannot both win), lists clusters with whether their processes still run, and prunes
// the ones that are gone: leftover server processes are stopped and the entry is removed.
//
// Liveness comes from cluster.json: a daemon-supervised cluster is alive while its supervisor process
// is; an in-process one while the process that started it is. A pid is only trusted when that
// process still runs in the cluster directory or names it in its arguments (pids get reused).

import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pollUntil } from '../common/async.js';
import { TopologyConfigError } from '../errors.js';
import { nameProblem } from '../topology/names.js';
import { CLUSTER_ENTRIES } from './cluster-dir.js';
import { STATE_FILE, type ClusterStateFile, type ClusterStateName } from './state-file.js';

/** Environment variable naming the state directory. */
export const HOME_ENV = 'MONGO_TOPOLOGY_HOME';
/** The file that marks a name as reserved by a process that is booting (or running) the cluster. */
export const RESERVATION_FILE = '.mongo-topology-reservation.json';

/**
 * Where a cluster in a state directory is in its life. `running`, `starting`, `stopping` come from
 * cluster.json while its supervisor (or owner) runs; `gone` means that process is dead, `stopped`
 * that the cluster was stopped with its data kept, `booting` that a process reserved the name and has
 * not written cluster.json yet, `abandoned` a reservation whose process is dead.
 */
export type HomeClusterStatus = ClusterStateName | 'gone' | 'booting' | 'abandoned';

/** One cluster of a state directory. */
export interface HomeCluster {
  readonly name: string;
  /** `<home>/clusters/<name>` (a directory, or a symlink to the cluster directory). */
  readonly entry: string;
  /** The cluster directory (where cluster.json is). */
  readonly clusterDir: string;
  readonly status: HomeClusterStatus;
  /** Whether a process of the cluster (supervisor, or the owner of an in-process one) still runs. */
  readonly alive: boolean;
  /** The contents of cluster.json, when there is a readable one. */
  readonly state?: ClusterStateFile;
  /** Why cluster.json could not be used, when it could not. */
  readonly problem?: string;
}

/**
 * The state directory: `home` if given, else `$MONGO_TOPOLOGY_HOME`, else `~/.mongo-topology`.
 *
 * @example
 * ```ts
 * clusterHome({ env: { MONGO_TOPOLOGY_HOME: '/tmp/mt' } }); // '/tmp/mt'
 * ```
 */
export function clusterHome(
  options: { readonly home?: string; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): string {
  const env = options.env ?? process.env;
  const chosen = options.home ?? (env[HOME_ENV] || undefined);
  return chosen !== undefined ? resolve(chosen) : join(homedir(), '.mongo-topology');
}

function clustersDir(home: string): string {
  return join(home, 'clusters');
}

/** Whether `pid` runs; EPERM means it runs under another user. */
function alive(pid: number | undefined): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` runs and still belongs to the cluster in `clusterDir` (not a reused pid). */
function aliveIn(pid: number | undefined, clusterDir: string): boolean {
  if (!alive(pid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) === clusterDir) return true;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(clusterDir);
  } catch {
    return false;
  }
}

function checkName(name: string): void {
  const issue =
    typeof name === 'string' ? nameProblem(name, 'cluster name', { allowReserved: true }) : 'must be a string';
  if (issue)
    throw new TopologyConfigError(`Invalid cluster name ${JSON.stringify(name)}`, {
      problems: [{ path: 'name', message: issue }],
    });
}

interface Reservation {
  readonly pid: number;
  readonly createdAt: string;
}

function readReservation(dir: string): Reservation | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, RESERVATION_FILE), 'utf8')) as Reservation;
  } catch {
    return undefined;
  }
}

function inspect(home: string, name: string): HomeCluster | undefined {
  const entry = join(clustersDir(home), name);
  let clusterDir: string;
  try {
    lstatSync(entry);
  } catch {
    return undefined;
  }
  try {
    clusterDir = realpathSync(entry);
  } catch {
    // A symlink to a directory that is gone.
    const target = readlinkSync(entry);
    return {
      name,
      entry,
      clusterDir: isAbsolute(target) ? target : resolve(clustersDir(home), target),
      status: 'gone',
      alive: false,
      problem: 'its cluster directory no longer exists',
    };
  }
  const base = { name, entry, clusterDir };
  const file = join(clusterDir, STATE_FILE);
  if (!existsSync(file)) {
    const r = readReservation(clusterDir);
    const live = r !== undefined && alive(r.pid);
    return {
      ...base,
      status: live ? 'booting' : 'abandoned',
      alive: live,
      ...(live ? {} : { problem: 'no cluster.json and no live process holds the name' }),
    };
  }
  let state: ClusterStateFile;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as ClusterStateFile;
    if (typeof state?.supervisor?.url !== 'string' || !Array.isArray(state.nodes))
      throw new Error('not a cluster.json');
  } catch (e) {
    return { ...base, status: 'gone', alive: false, problem: `unreadable ${STATE_FILE}: ${(e as Error).message}` };
  }
  if (state.state === 'stopped') return { ...base, status: 'stopped', alive: false, state };
  const live = state.supervisor.mode === 'daemon' ? aliveIn(state.supervisor.pid, clusterDir) : alive(state.owner?.pid);
  return { ...base, status: live ? state.state : 'gone', alive: live, state };
}

/**
 * Every cluster of a state directory, by name.
 *
 * @example
 * ```ts
 * for (const c of listClusters(clusterHome())) console.log(c.name, c.status, c.state?.uri);
 * ```
 */
export function listClusters(home: string): HomeCluster[] {
  let names: string[];
  try {
    names = readdirSync(clustersDir(home)).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
  return names
    .sort()
    .map((n) => inspect(home, n))
    .filter((c): c is HomeCluster => c !== undefined);
}

/** The cluster called `name` in a state directory, if there is one. */
export function findCluster(home: string, name: string): HomeCluster | undefined {
  checkName(name);
  return inspect(home, name);
}

/** A name reserved in a state directory; see {@link reserveCluster}. */
export interface ClusterReservation {
  readonly name: string;
  /** The cluster directory to start the cluster in. */
  readonly clusterDir: string;
  /** Gives the name back once the cluster is stopped (or failed to start); see {@link removeClusterEntry}. */
  release(options?: { readonly keepData?: boolean }): void;
}

/**
 * Reserves `name` in a state directory for a cluster about to start: creates `<home>/clusters/<name>`
 * (or, with `dataDir`, a symlink there to it) atomically, so a second reservation of the name fails.
 *
 * @throws TopologyConfigError when the name is invalid or taken (saying whether that cluster runs).
 */
export function reserveCluster(
  home: string,
  name: string,
  options: { readonly dataDir?: string } = {},
): ClusterReservation {
  checkName(name);
  const parent = clustersDir(home);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const entry = join(parent, name);
  const clusterDir = options.dataDir !== undefined ? resolve(options.dataDir) : entry;
  try {
    if (options.dataDir !== undefined) symlinkSync(clusterDir, entry, 'dir');
    else mkdirSync(entry, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const other = inspect(home, name);
    const how = other?.alive
      ? `it is ${other.status}; stop it with \`mongo-topology down ${name}\` or choose another --name`
      : `its state is left from a cluster that is ${other?.status ?? 'gone'}; remove it with \`mongo-topology prune\` (or \`down ${name}\`) or choose another --name`;
    throw new TopologyConfigError(`A cluster named "${name}" already exists in ${home}`, {
      problems: [{ path: 'name', message: how }],
    });
  }
  if (options.dataDir !== undefined) mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const reservation: Reservation = { pid: process.pid, createdAt: new Date().toISOString() };
  writeFileSync(join(clusterDir, RESERVATION_FILE), `${JSON.stringify(reservation)}\n`, { mode: 0o600 });
  return {
    name,
    clusterDir,
    release: (o = {}) => removeClusterEntry({ entry, clusterDir }, o),
  };
}

/**
 * Removes a stopped cluster's entry from the state directory: the directory (or the symlink to the
 * directory the user chose). With `keepData` the entry stays, so the kept data can be found by name
 * (listed as `stopped`, removed by {@link pruneClusters}).
 */
export function removeClusterEntry(
  c: Pick<HomeCluster, 'entry' | 'clusterDir'>,
  options: { readonly keepData?: boolean } = {},
): void {
  const { entry, clusterDir } = c;
  let isLink = false;
  try {
    isLink = lstatSync(entry).isSymbolicLink();
  } catch {
    return;
  }
  rmSync(join(clusterDir, RESERVATION_FILE), { force: true });
  if (options.keepData === true) return;
  if (isLink) {
    unlinkSync(entry);
    return;
  }
  rmSync(entry, { recursive: true, force: true, maxRetries: 3 });
}

/** Processes that belong to the cluster in `clusterDir`: running there, or naming its files in their arguments. */
function leftoverProcesses(c: HomeCluster): number[] {
  const dir = c.clusterDir;
  const found = new Set<number>();
  if (process.platform === 'linux') {
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (st === 'Z' || st === 'X') continue;
        let cwd = '';
        try {
          cwd = readlinkSync(`/proc/${e}/cwd`);
        } catch {
          // Unreadable: judge by the arguments.
        }
        const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
        const ours = argv.some((a) => a === join(dir, 'supervisor.ini') || a.startsWith(join(dir, 'conf') + '/'));
        if (cwd === dir || ours) found.add(Number(e));
      } catch {
        // It exited while we looked.
      }
    }
  } else {
    for (const pid of [c.state?.supervisor.pid, ...(c.state?.nodes.map((n) => n.pid) ?? [])]) {
      if (typeof pid === 'number' && alive(pid)) found.add(pid);
    }
  }
  return [...found];
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // Not a group leader, or gone.
    }
  }
}

/** What {@link pruneClusters} did for one cluster. */
export interface PrunedCluster {
  readonly name: string;
  readonly clusterDir: string;
  /** Its status before pruning. */
  readonly status: HomeClusterStatus;
  /** Server or supervisor processes of the cluster that still ran and were stopped. */
  readonly killedPids: readonly number[];
}

/**
 * Removes one cluster that is no longer alive from a state directory: stops processes of it that
 * still run (servers outlive a supervisor killed with SIGKILL: SIGTERM, then SIGKILL after
 * `graceMs`), then removes its entry and, unless it is a directory the user chose, its files.
 *
 * @throws TopologyConfigError when the cluster is alive (stop it instead) or booting.
 */
export async function removeDeadCluster(
  c: HomeCluster,
  options: { readonly graceMs?: number } = {},
): Promise<PrunedCluster> {
  if (c.alive) {
    throw new TopologyConfigError(`Cluster ${c.name} is ${c.status}; stop it instead of pruning it`);
  }
  const pids = leftoverProcesses(c);
  for (const pid of pids) signalGroup(pid, 'SIGTERM');
  if (pids.length > 0) {
    try {
      await pollUntil(() => pids.every((p) => !alive(p)), {
        what: `processes ${pids.join(', ')} of cluster ${c.name} to exit`,
        timeoutMs: options.graceMs ?? 5_000,
        intervalMs: 50,
      });
    } catch {
      for (const pid of pids) signalGroup(pid, 'SIGKILL');
    }
  }
  const linked = (() => {
    try {
      return lstatSync(c.entry).isSymbolicLink();
    } catch {
      return false;
    }
  })();
  if (linked && existsSync(c.clusterDir)) {
    // A directory the user chose: only what mongo-topology wrote in it goes.
    for (const name of readdirSync(c.clusterDir)) {
      if (OUR_ENTRIES.has(name) || /^supervisor\.log\.\d+$/.test(name)) {
        rmSync(join(c.clusterDir, name), { recursive: true, force: true, maxRetries: 3 });
      }
    }
  }
  removeClusterEntry(c);
  return { name: c.name, clusterDir: c.clusterDir, status: c.status, killedPids: pids };
}

const OUR_ENTRIES = new Set([...CLUSTER_ENTRIES, RESERVATION_FILE]);

/**
 * Removes every cluster of a state directory that is gone (its supervisor or owner died), stopped
 * with kept data, or abandoned while booting; live and booting clusters are left alone.
 *
 * @example
 * ```ts
 * const removed = await pruneClusters(clusterHome());
 * ```
 */
export async function pruneClusters(
  home: string,
  options: { readonly graceMs?: number } = {},
): Promise<PrunedCluster[]> {
  const pruned: PrunedCluster[] = [];
  for (const c of listClusters(home)) {
    if (c.alive) continue;
    pruned.push(await removeDeadCluster(c, options));
  }
  return pruned;
}
