// cluster.json: the state file of a started cluster, in its directory, for other processes (vitest
// and jest workers, the CLI, a second terminal) to attach to it. It holds the spec, every node with
// its address, URI, log and data paths and last known pid, the server version, the URI, and how to
// reach the supervisor's control API, secret included; the file is therefore written with mode 0600
// (readable by the owner only, like the keyFile next to it). It is rewritten atomically on every
// change the owning process sees (boot progress, a node restarted with a new pid).

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TopologyConfigError } from '../errors.js';
import { writeFileAtomic } from '../config/write.js';
import type { ClusterLayout, NodeLayout } from './layout.js';
import { clusterUri, nodeUri } from './uri.js';

/** Name of the state file in a cluster directory. */
export const STATE_FILE = 'cluster.json';
/** Only the owner may read it: it holds the control API's and the user's passwords. */
export const STATE_FILE_MODE = 0o600;
/** Version of the file's layout; attach refuses other versions. */
export const STATE_FORMAT = 1;

/** Where a cluster is in its life. */
export type ClusterStateName = 'starting' | 'running' | 'stopping' | 'stopped';

/** One node in cluster.json. */
export interface NodeState extends NodeLayout {
  /** `mongodb://host:port/?directConnection=true` (with the user when auth is on). */
  readonly uri: string;
  /** Last pid the owner saw (0 when not running); the supervisor has the live value. */
  readonly pid: number;
}

/** The contents of cluster.json. */
export interface ClusterStateFile {
  readonly format: typeof STATE_FORMAT;
  readonly name: string;
  readonly state: ClusterStateName;
  readonly uri: string;
  /** The process that started the cluster (it runs the supervisor when `supervisor.mode` is `in-process`). */
  readonly owner: { readonly pid: number; readonly startedAt: string };
  readonly supervisor: ClusterLayout['supervisor'] & { readonly pid: number };
  /** Whether mongo-topology created the directory (then stop removes all of it). */
  readonly ownsDir: boolean;
  /** Whether the directory is kept after stop. */
  readonly keep: boolean;
  readonly nodes: readonly NodeState[];
  readonly layout: Omit<ClusterLayout, 'nodes' | 'supervisor'>;
  readonly updatedAt: string;
}

/** Builds the file's contents. */
export function stateOf(
  layout: ClusterLayout,
  extra: {
    readonly state: ClusterStateName;
    readonly ownerPid: number;
    readonly startedAt: Date;
    readonly supervisorPid: number;
    readonly ownsDir: boolean;
    readonly keep: boolean;
    readonly pids: ReadonlyMap<string, number>;
  },
): ClusterStateFile {
  const { nodes, supervisor, ...rest } = layout;
  return {
    format: STATE_FORMAT,
    name: layout.name,
    state: extra.state,
    uri: clusterUri(layout),
    owner: { pid: extra.ownerPid, startedAt: extra.startedAt.toISOString() },
    supervisor: { ...supervisor, pid: extra.supervisorPid },
    ownsDir: extra.ownsDir,
    keep: extra.keep,
    nodes: nodes.map((n) => ({ ...n, uri: nodeUri(layout, n), pid: extra.pids.get(n.name) ?? 0 })),
    layout: rest,
    updatedAt: new Date().toISOString(),
  };
}

/** Writes cluster.json atomically with mode 0600. */
export async function writeStateFile(clusterDir: string, state: ClusterStateFile): Promise<void> {
  await writeFileAtomic(join(clusterDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, STATE_FILE_MODE);
}

/** The layout a state file describes. */
export function layoutOfState(state: ClusterStateFile): ClusterLayout {
  const { supervisor, nodes } = state;
  const { pid: _pid, ...sup } = supervisor;
  return {
    ...state.layout,
    supervisor: sup,
    nodes: nodes.map(({ uri: _uri, pid: _p, ...n }) => n),
  };
}

/**
 * Reads a cluster.json, given its path or its cluster directory.
 *
 * @throws TopologyConfigError when there is none, it is not one, or another format.
 */
export function readStateFile(pathOrDir: string): { file: string; state: ClusterStateFile } {
  let file = pathOrDir;
  try {
    if (statSync(pathOrDir).isDirectory()) file = join(pathOrDir, STATE_FILE);
  } catch (e) {
    throw new TopologyConfigError(`No cluster at ${pathOrDir}: ${(e as Error).message}`, { cause: e });
  }
  let state: ClusterStateFile;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as ClusterStateFile;
  } catch (e) {
    throw new TopologyConfigError(`Cannot read the cluster state file ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (state?.format !== STATE_FORMAT || !Array.isArray(state.nodes) || typeof state.supervisor?.url !== 'string') {
    throw new TopologyConfigError(
      `${file} is not a mongo-topology cluster state file of format ${STATE_FORMAT} (format: ${String(state?.format)})`,
    );
  }
  return { file, state };
}
