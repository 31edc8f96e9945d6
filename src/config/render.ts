// Renders a planned cluster into the files of its cluster directory: each node's YAML server config,
// the keyFile with auth on a replica set or sharded cluster (mode 0400, as mongod requires), and the
// supervisord files (supervisor.ini and one conf/<node>/program.ini per node). INI text comes from
// the supervisor module's renderer, the project's only INI writer, which escapes or rejects every
// value the way supervisord will read it.

import { join } from 'node:path';
import semver from 'semver';
import type { ConfigProblem } from '../errors.js';
import { throwProblems, validateDefinition } from '../topology/validate.js';
import { isSupportedServerVersion, MIN_SERVER_VERSION } from '../common/version-spec.js';
import type { ClusterPlan } from '../topology/plan.js';
import { renderIni, type IniFileSpec } from '../supervisor/config/index.js';
import { renderServerConfig } from './server-config.js';
import { supervisorModel, type ClusterBinaries, type SupervisorModel } from './supervisor-model.js';
import type { ClusterFiles, RenderedFile } from './write.js';

/** Options of {@link renderServerFiles}. */
export interface RenderServerOptions {
  /** Exact version of the binaries, e.g. `8.0.4`: decides which version-specific settings are written. */
  readonly serverVersion: string;
}

/** mongod refuses a keyFile that group or others can read. */
export const KEYFILE_MODE = 0o400;
/** Node configs and program files hold no secrets. */
export const CONFIG_MODE = 0o644;
/** supervisor.ini holds the control endpoint's password. */
export const SUPERVISOR_CONFIG_MODE = 0o600;

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
  if (semver.valid(serverVersion) === null || !isSupportedServerVersion(serverVersion)) {
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

/** Options of {@link renderCluster}. */
export interface RenderClusterOptions extends RenderServerOptions {
  /** Absolute paths of the binaries the programs run. */
  readonly binaries: ClusterBinaries;
}

/** A rendered cluster directory, and the supervisord model it was rendered from. */
export interface RenderedCluster extends ClusterFiles {
  readonly supervisor: SupervisorModel;
}

/**
 * Every file of a cluster directory: the server configs and keyFile of {@link renderServerFiles},
 * plus supervisor.ini and one program file per node.
 *
 * @throws TopologyConfigError when a value cannot be written for supervisord or the server version
 *   breaks a rule of the spec.
 * @example
 * ```ts
 * const rendered = renderCluster(plan, { serverVersion: '8.0.4', binaries: { mongod, mongos } });
 * await writeClusterFiles(rendered);
 * ```
 */
export function renderCluster(plan: ClusterPlan, options: RenderClusterOptions): RenderedCluster {
  const server = renderServerFiles(plan, options);
  const supervisor = supervisorModel(plan, options.binaries);
  const { main } = supervisor;
  const mainSpec: IniFileSpec = {
    comment: `supervisor.ini of cluster "${plan.name}", written by mongo-topology; runs unchanged under supervisord 4.2.5.\nRewritten on every start: change the topology spec instead of this file.`,
    supervisord: main.supervisord,
    inetHttpServer: main.inetHttpServer,
    rpcinterface: true,
    supervisorctl: main.supervisorctl,
    include: main.include,
    groups: main.groups,
    extraSections: [
      {
        name: 'x-mongo-topology:cluster',
        values: { name: plan.name, kind: plan.kind, server_version: options.serverVersion },
      },
    ],
  };
  const files: RenderedFile[] = [
    ...server.files,
    { path: main.file, contents: renderIni(mainSpec), mode: SUPERVISOR_CONFIG_MODE },
    ...supervisor.programs.map(({ file, ...program }) => ({
      path: file,
      contents: renderIni({
        comment: `Program of node ${program.name} in cluster "${plan.name}", written by mongo-topology.`,
        programs: [program],
      }),
      mode: CONFIG_MODE,
    })),
  ];
  return { dirs: server.dirs, files, supervisor };
}
