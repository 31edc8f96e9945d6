// What a test runner's global setup hands to test files: plain, structured-clone-safe data about
// the cluster (vitest's `provide` serializes it; jest passes the state file's path through the
// environment). Node handles are not data: a test gets them by attaching through `stateFile`.

import { readStateFile, type ClusterStateFile } from '../../cluster/state-file.js';
import type { TopologyKind } from '../../topology/shape.js';
import type { NodeRole } from '../../topology/types.js';

/** The key under which vitest's global setup provides the cluster (`inject('mongoTopology')`). */
export const PROVIDE_KEY = 'mongoTopology';

/** One node of a provided cluster. */
export interface ProvidedNode {
  /** Stable name: `rs0-1`, `shard0-0`, `config-0`, `mongos-0`, `standalone`. */
  readonly name: string;
  readonly role: NodeRole;
  /** `host:port` on 127.0.0.1. */
  readonly address: string;
  /** A direct connection to this node only (`directConnection=true`, with the user when auth is on). */
  readonly uri: string;
  /** Its replica set; routers and a standalone have none. */
  readonly replicaSet?: string;
  readonly arbiter: boolean;
  readonly hidden: boolean;
}

/** The cluster a global setup started, as test files receive it. */
export interface ProvidedTopology {
  readonly name: string;
  readonly kind: TopologyKind;
  /** The connection string for the whole cluster. */
  readonly uri: string;
  /** The cluster's cluster.json: pass it to `attach()` for node handles and fault hooks. */
  readonly stateFile: string;
  readonly clusterDir: string;
  /** Exact server version, e.g. `8.0.4`. */
  readonly serverVersion: string;
  readonly nodes: readonly ProvidedNode[];
}

/** The provided view of a cluster.json (read from disk, or already read). */
export function providedTopology(stateFile: string, state?: ClusterStateFile): ProvidedTopology {
  const read = state ? { file: stateFile, state } : readStateFile(stateFile);
  const s = read.state;
  return {
    name: s.name,
    kind: s.layout.kind,
    uri: s.uri,
    stateFile: read.file,
    clusterDir: s.layout.clusterDir,
    serverVersion: s.layout.serverVersion,
    nodes: s.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      address: n.address,
      uri: n.uri,
      ...(n.replicaSet !== undefined ? { replicaSet: n.replicaSet } : {}),
      arbiter: n.arbiter,
      hidden: n.hidden,
    })),
  };
}
