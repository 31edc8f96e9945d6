// A running cluster as `status`, `up` and `ls` show it: per node its role, address, the supervisor's
// view of its process (state, pid, uptime, restarts) and its replica-set member state.

import type { ClusterHandle, NodeHandle } from '../index.js';
import { duration, table } from './output.js';

/** One node's status. */
export interface NodeStatus {
  readonly name: string;
  readonly role: string;
  readonly replicaSet?: string;
  readonly address: string;
  readonly uri: string;
  /** The supervisor's process state: RUNNING, STARTING, BACKOFF, STOPPED, EXITED, FATAL, ... */
  readonly process: string;
  readonly pid: number;
  readonly uptimeMs: number;
  readonly restartCount: number;
  /** PRIMARY, SECONDARY, ARBITER, ROUTER, STANDALONE, ... or UNKNOWN when it does not answer. */
  readonly member: string;
  readonly logFile: string;
}

/** A cluster's status. */
export interface ClusterStatus {
  readonly name: string;
  readonly kind: string;
  readonly version: string;
  readonly uri: string;
  readonly clusterDir: string;
  readonly stateFile: string;
  readonly supervisor: { readonly mode: string; readonly url: string };
  readonly nodes: readonly NodeStatus[];
}

async function nodeStatus(n: NodeHandle): Promise<NodeStatus> {
  const info = await n.info();
  let member = 'UNKNOWN';
  if (info.state === 'RUNNING' || info.state === 'STARTING') {
    member = await n.state({ timeoutMs: 3_000 }).catch(() => 'UNKNOWN');
  } else {
    member = 'DOWN';
  }
  return {
    name: n.name,
    role: n.role,
    ...(n.replicaSet !== undefined ? { replicaSet: n.replicaSet } : {}),
    address: n.address,
    uri: n.uri,
    process: info.state,
    pid: info.pid,
    uptimeMs: info.uptimeMs,
    restartCount: info.restartCount,
    member,
    logFile: n.logFile,
  };
}

/** Asks the supervisor and every node. */
export async function clusterStatus(c: ClusterHandle & { readonly stateFile: string }): Promise<ClusterStatus> {
  const nodes = await Promise.all(c.nodes.map(nodeStatus));
  return {
    name: c.name,
    kind: c.kind,
    version: c.version,
    uri: c.uri,
    clusterDir: c.clusterDir,
    stateFile: c.stateFile,
    supervisor: { mode: c.layout.supervisor.mode, url: c.controlUrl },
    nodes,
  };
}

/** The status as a table. */
export function statusTable(s: ClusterStatus): string {
  return table(
    ['NODE', 'ROLE', 'ADDRESS', 'PROCESS', 'PID', 'UPTIME', 'RESTARTS', 'STATE'],
    s.nodes.map((n) => [
      n.name,
      n.role,
      n.address,
      n.process,
      n.pid > 0 ? String(n.pid) : '-',
      n.pid > 0 ? duration(n.uptimeMs) : '-',
      String(n.restartCount),
      n.member,
    ]),
  );
}
