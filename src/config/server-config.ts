// Renders each node's YAML config file (conf/<node>/mongod.conf or mongos.conf) from its plan,
// using only documented configuration-file keys (reference/mongod-behaviour.md §5.1). mongo-topology
// owns the keys that tie a node into its topology (port, paths, replica set, cluster role, keyFile);
// on top of small, version-aware settings for throwaway clusters, the user's flags and parameters
// are merged in. The `yaml` package does the quoting.

import { Document } from 'yaml';
import { checkParameter } from '../topology/server-parameters.js';
import type { ClusterPlan, PlannedNode } from '../topology/plan.js';
import type { ServerParameterValue } from '../topology/types.js';

/** The signalled-shutdown quiesce period we set where the server knows it (its default is 15 s). */
export const SHUTDOWN_QUIESCE_MS = 100;

/** A config document: nested plain objects of scalars. */
export type ConfigDocument = { [key: string]: ConfigValue };
type ConfigValue = ServerParameterValue | ConfigDocument;

/** Options of {@link serverConfigDocument}. */
export interface ServerConfigOptions {
  /** Exact version of the binary that reads the file, e.g. `8.0.4`. */
  readonly serverVersion: string;
}

function setIn(doc: ConfigDocument, dotted: string, value: ServerParameterValue): void {
  const keys = dotted.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (typeof next !== 'object') at[k] = {};
    at = at[k] as ConfigDocument;
  }
  at[keys[keys.length - 1]] = value;
}

/**
 * Server parameters mongo-topology sets on a throwaway node, for the versions that know them:
 * no FTDC (diagnostic data) writes, and a short signalled-shutdown quiesce so stops are quick.
 */
export function ephemeralParameters(node: PlannedNode, serverVersion: string): Record<string, ServerParameterValue> {
  const wanted: Record<string, ServerParameterValue> =
    node.binary === 'mongos'
      ? { diagnosticDataCollectionEnabled: false, mongosShutdownTimeoutMillisForSignaledShutdown: SHUTDOWN_QUIESCE_MS }
      : { diagnosticDataCollectionEnabled: false, shutdownTimeoutMillisForSignaledShutdown: SHUTDOWN_QUIESCE_MS };
  return Object.fromEntries(
    Object.entries(wanted).filter(
      ([name]) => checkParameter(name, node.binary, { exact: serverVersion }).kind === 'ok',
    ),
  );
}

/**
 * The config document of one node: what mongo-topology sets, then the ephemeral defaults, then the
 * user's options and parameters (which win over the defaults, never over the topology's own keys).
 */
export function serverConfigDocument(
  plan: ClusterPlan,
  node: PlannedNode,
  options: ServerConfigOptions,
): ConfigDocument {
  const doc: ConfigDocument = {
    net: { bindIp: node.host, port: node.port, unixDomainSocket: { enabled: false } },
  };
  if (node.binary === 'mongod') {
    const engine = node.serverOptions['storage.engine'];
    const storage: ConfigDocument = { dbPath: node.dataDir! };
    // The cache size belongs to WiredTiger; another engine chosen by the user would reject the key.
    if (engine === undefined || engine === 'wiredTiger') {
      storage.wiredTiger = { engineConfig: { cacheSizeGB: plan.definition.storage.cacheSizeGB } };
    }
    doc.storage = storage;
    if (node.replicaSet !== undefined) {
      const replication: ConfigDocument = { replSetName: node.replicaSet };
      if (plan.definition.storage.oplogSizeMB !== undefined)
        replication.oplogSizeMB = plan.definition.storage.oplogSizeMB;
      doc.replication = replication;
    }
    if (node.role === 'shardsvr' || node.role === 'configsvr') doc.sharding = { clusterRole: node.role };
    if (plan.auth) {
      // mongos has no `security.authorization`: its keyFile alone turns access control on.
      doc.security = {
        authorization: 'enabled',
        ...(plan.auth.keyFile !== undefined ? { keyFile: plan.auth.keyFile } : {}),
      };
    }
  } else {
    doc.sharding = { configDB: plan.configDB! };
    if (plan.auth?.keyFile !== undefined) doc.security = { keyFile: plan.auth.keyFile };
  }
  for (const [key, value] of Object.entries(node.serverOptions)) setIn(doc, key, value);
  // A global parameter reaches every node it is scoped to; a node whose binary or version does not
  // know it leaves it out (validation has made sure some node knows it, and that per-node ones fit).
  const user = Object.fromEntries(
    Object.entries(node.setParameters).filter(([name]) => {
      const kind = checkParameter(name, node.binary, { exact: options.serverVersion }).kind;
      return kind === 'ok' || kind === 'unknown';
    }),
  );
  const parameters = { ...ephemeralParameters(node, options.serverVersion), ...user };
  if (Object.keys(parameters).length > 0) {
    const merged = typeof doc.setParameter === 'object' ? doc.setParameter : {};
    doc.setParameter = { ...merged, ...parameters };
  }
  return doc;
}

/**
 * Renders a node's config file as YAML, headed by a comment saying who wrote it.
 *
 * @example
 * ```ts
 * const text = renderServerConfig(plan, plan.nodes[0], { serverVersion: '8.0.4' });
 * ```
 */
export function renderServerConfig(plan: ClusterPlan, node: PlannedNode, options: ServerConfigOptions): string {
  const doc = new Document(serverConfigDocument(plan, node, options));
  doc.commentBefore =
    ` ${node.binary}.conf of node ${node.name} (cluster "${plan.name}", server ${options.serverVersion}), written by mongo-topology.\n` +
    ' Rewritten on every start: change the topology spec instead of this file.';
  return doc.toString({ lineWidth: 0 });
}
