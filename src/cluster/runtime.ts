// What every operation on a running cluster needs, in one object: its layout, the supervisor that
// runs its processes (in this process or reached over HTTP), the shared line/event subscriptions,
// the driver connections mongo-topology uses, and the event fan-out. The owner of a cluster and a
// process that attached to it each hold one.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { SupervisorControl } from '../supervisor/control/types.js';
import type { Connections } from './connections.js';
import type { ClusterEvents } from './events.js';
import type { ClusterLayout, NodeLayout } from './layout.js';
import { evidenceLines } from './log-lines.js';
import type { NodeEvidence, SupervisorWatch } from './watch.js';

export interface ClusterRuntime {
  /** The current layout (the boot may move a node to another port before its set is initiated). */
  layout(): ClusterLayout;
  readonly control: SupervisorControl;
  readonly watch: SupervisorWatch;
  readonly conns: Connections;
  readonly events: ClusterEvents;
}

/** The current layout of a node by name. */
export function currentNode(rt: ClusterRuntime, name: string): NodeLayout {
  const n = rt.layout().nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node named ${name}`);
  return n;
}

/** Size of a file, 0 when it does not exist yet. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The lines of a file from byte `offset` on (at most the last `maxBytes`); [] when unreadable. */
export function readLinesFrom(path: string, offset = 0, maxBytes = 256 * 1024): string[] {
  let fd: number | undefined;
  try {
    const size = statSync(path).size;
    // A log rotated since `offset` was taken is read from its start.
    const from = Math.max(offset <= size ? offset : 0, size - maxBytes);
    const buf = Buffer.alloc(size - from);
    fd = openSync(path, 'r');
    readSync(fd, buf, 0, buf.length, from);
    return buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Evidence about a node for an error: its address, command line, log file and last log lines. */
export function nodeEvidence(node: NodeLayout, logOffset?: number): NodeEvidence {
  const lines = readLinesFrom(node.logFile, logOffset ?? Math.max(0, fileSize(node.logFile) - 64 * 1024));
  const tail = evidenceLines(lines);
  return {
    node: node.name,
    host: node.host,
    port: node.port,
    command: node.command,
    logFile: node.logFile,
    ...(tail.length > 0 ? { logTail: tail } : {}),
  };
}
