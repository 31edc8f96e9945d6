// The three topologies whose generated files are kept as golden files: a standalone, a 3-member set
// with an arbiter and a hidden member, and a sharded cluster with auth. Paths, ports and secrets are
// fixed (a fixed cluster dir, consecutive fake ports, seeded randomness) so the output is exact.

import { cluster, plan, type ClusterPlan } from '../../../src/index.js';
import type { ClusterSpec } from '../../../src/index.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

export const GOLDEN_SERVER_VERSION = '8.0.4';
export const GOLDEN_BINARIES = { mongod: '/opt/mongodb/bin/mongod', mongos: '/opt/mongodb/bin/mongos' };

export interface GoldenCase {
  readonly name: string;
  readonly spec: ClusterSpec;
  readonly firstPort: number;
}

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'standalone', spec: cluster(), firstPort: 41000 },
  {
    name: 'replset-arbiter-hidden',
    spec: cluster().replicaSet([{ priority: 2 }, { hidden: true }, { arbiterOnly: true }]),
    firstPort: 42000,
  },
  {
    name: 'sharded-auth',
    spec: cluster().shards(2).auth({ username: 'admin', password: 'secret-pw' }),
    firstPort: 43000,
  },
];

export function goldenClusterDir(c: GoldenCase): string {
  return `/tmp/mongo-topology-golden/${c.name}`;
}

export function goldenPlan(c: GoldenCase): Promise<ClusterPlan> {
  return plan(c.spec, {
    clusterDir: goldenClusterDir(c),
    ports: new FakePorts(c.firstPort),
    randomBytes: seededRandomBytes(c.firstPort),
    serverVersion: GOLDEN_SERVER_VERSION,
  });
}
