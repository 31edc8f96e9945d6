// Renders a planned cluster into the files of its cluster directory: each node's YAML server config
// and, with auth on a replica set or sharded cluster, the keyFile (mode 0400, as mongod requires).

import { join } from 'node:path';
import semver from 'semver';
import type { ConfigProblem } from '../errors.js';
import { throwProblems, validateDefinition } from '../topology/validate.js';
import { MIN_SERVER_VERSION, versionInSpan } from '../topology/version.js';
import type { ClusterPlan } from '../topology/plan.js';
import { renderServerConfig } from './server-config.js';
import type { ClusterFiles, RenderedFile } from './write.js';

/** Options of {@link renderServerFiles}. */
export interface RenderServerOptions {
  /** Exact version of the binaries, e.g. `8.0.4`: decides which version-specific settings are written. */
  readonly serverVersion: string;
}

/** mongod refuses a keyFile that group or others can read. */
export const KEYFILE_MODE = 0o400;
/** Node configs hold no secrets. */
export const CONFIG_MODE = 0o644;

/**
 * The server-side files of a cluster: one YAML config per node, the keyFile when auth needs one, and
 * the directories the nodes write to (data/<node>/, logs/).
 *
 * @example
 * ```ts
 * await writeClusterFiles(renderServerFiles(plan, { serverVersion: '8.0.4' }));
 * ```
 */
export function renderServerFiles(plan: ClusterPlan, options: RenderServerOptions): ClusterFiles {
  checkForVersion(plan, options.serverVersion);
  const files: RenderedFile[] = plan.nodes.map((node) => ({
    path: node.configFile,
    contents: renderServerConfig(plan, node, options),
    mode: CONFIG_MODE,
  }));
  if (plan.auth?.keyFile !== undefined && plan.auth.keyFileContents !== undefined) {
    files.push({ path: plan.auth.keyFile, contents: `${plan.auth.keyFileContents}\n`, mode: KEYFILE_MODE });
  }
  const dirs = [
    join(plan.clusterDir, 'logs'),
    ...plan.nodes.map((n) => n.confDir),
    ...plan.nodes.flatMap((n) => (n.dataDir !== undefined ? [n.dataDir] : [])),
  ];
  return { dirs, files };
}

/**
 * A plan may have been made before the binaries were resolved (DESIGN.md: plan, then binaries, then
 * render); the exact version is known now, so every version rule is checked again against it.
 */
function checkForVersion(plan: ClusterPlan, serverVersion: string): void {
  const problems: ConfigProblem[] = [];
  if (semver.valid(serverVersion) === null || !versionInSpan(serverVersion, { since: MIN_SERVER_VERSION })) {
    problems.push({
      path: 'serverVersion',
      message: `"${serverVersion}" is not a server version of ${MIN_SERVER_VERSION} or later, such as 8.0.4`,
    });
  } else if (plan.serverVersion !== undefined && plan.serverVersion !== serverVersion) {
    problems.push({
      path: 'serverVersion',
      message: `the plan was made for server ${plan.serverVersion}, not ${serverVersion}; plan again`,
    });
  } else {
    problems.push(...validateDefinition(plan.definition, { exact: serverVersion }).problems);
  }
  throwProblems(problems, `render for server ${serverVersion}`);
}
