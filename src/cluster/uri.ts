// Connection strings of a started cluster (reference/peers.md §F.9: always hand out a URI that
// connects): `replicaSet=` for a replica set, the router list for a sharded cluster,
// `directConnection=true` for a standalone and for every single node; the user and `authSource` when
// access control is on.

import type { ClusterLayout, NodeLayout } from './layout.js';

function credentials(layout: ClusterLayout): string {
  const a = layout.auth;
  return a ? `${encodeURIComponent(a.username)}:${encodeURIComponent(a.password)}@` : '';
}

function query(params: Record<string, string | undefined>): string {
  const q = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return q ? `/?${q}` : '/';
}

/**
 * The cluster's URI. Hidden members are left out of a replica set's seed list: the driver would
 * drop them anyway (they are not in `hello.hosts`).
 */
export function clusterUri(layout: ClusterLayout): string {
  const authSource = layout.auth ? layout.auth.authSource : undefined;
  if (layout.kind === 'sharded') {
    const routers = layout.nodes.filter((n) => n.role === 'mongos').map((n) => n.address);
    return `mongodb://${credentials(layout)}${routers.join(',')}${query({ authSource })}`;
  }
  if (layout.kind === 'replicaSet') {
    const set = layout.replicaSets[0];
    const hosts = layout.nodes.filter((n) => n.replicaSet === set.name && !n.hidden).map((n) => n.address);
    return `mongodb://${credentials(layout)}${hosts.join(',')}${query({ replicaSet: set.name, authSource })}`;
  }
  const node = layout.nodes[0];
  return `mongodb://${credentials(layout)}${node.address}${query({ directConnection: 'true', authSource })}`;
}

/**
 * A URI for one node alone (`directConnection=true`). Arbiters hold no users, so theirs has no
 * credentials (they answer `hello` without authentication).
 */
export function nodeUri(layout: ClusterLayout, node: NodeLayout): string {
  const withAuth = layout.auth !== undefined && !node.arbiter;
  return `mongodb://${withAuth ? credentials(layout) : ''}${node.address}${query({
    directConnection: 'true',
    authSource: withAuth ? layout.auth?.authSource : undefined,
  })}`;
}
