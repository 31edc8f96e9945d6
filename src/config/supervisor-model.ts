// The supervisord model of a cluster: the main file's sections and one program per node, as typed
// values decided from the plan. Turning them into INI text is the supervisor module's job
// (src/supervisor/config render), so there is exactly one INI writer in the project.
//
// Program settings follow the originating design (autostart=false, autorestart=unexpected,
// startretries=3, stopsignal=INT, process-group stop and kill, one log per node with rotation)
// and reference/supervisord.md §5. Readiness and dependencies travel in `x_` keys, which the real
// supervisord ignores and our supervisor reads.

import { isAbsolute, join } from 'node:path';
import type { ClusterPlan, PlannedNode } from '../topology/plan.js';
import { TopologyConfigError } from '../errors.js';

/** mongod/mongos log id 23016, "Waiting for connections": the node listens. */
export const READY_LOG_ID = 23016;

/** The binaries a cluster runs. */
export interface ClusterBinaries {
  /** Absolute path of mongod. */
  readonly mongod: string;
  /** Absolute path of mongos; required when the plan has routers. */
  readonly mongos?: string;
}

/** One `[program:<node>]`. */
export interface ProgramModel {
  readonly name: string;
  /** The argument vector: the binary and `--config <file>`. */
  readonly command: readonly string[];
  readonly directory: string;
  readonly priority: number;
  readonly autostart: false;
  readonly autorestart: 'unexpected';
  readonly startsecs: number;
  readonly startretries: number;
  readonly stopsignal: 'INT';
  readonly stopwaitsecs: number;
  readonly stopasgroup: true;
  readonly killasgroup: true;
  readonly redirectStderr: true;
  readonly stdoutLogfile: string;
  readonly stdoutLogfileMaxbytes: number;
  readonly stdoutLogfileBackups: number;
  /** `x_ready`: the node is ready once it logs id 23016. */
  readonly ready: { readonly kind: 'log-id'; readonly id: number };
  /** `x_depends_on`: programs that must be ready first. */
  readonly dependsOn: readonly string[];
  /** More `x_` keys: the node's role, replica set and address, for tools reading the INI. */
  readonly extensions: Readonly<Record<string, string>>;
  /** The file the program is written to (conf/<node>/program.ini). */
  readonly file: string;
}

/** One `[group:<name>]`. */
export interface GroupModel {
  readonly name: string;
  readonly programs: readonly string[];
  readonly priority: number;
}

/** The main supervisor.ini. */
export interface SupervisorMainModel {
  readonly file: string;
  readonly supervisord: {
    readonly logfile: string;
    readonly logfileMaxbytes: number;
    readonly logfileBackups: number;
    readonly loglevel: 'info';
    readonly pidfile: string;
    readonly childlogdir: string;
    readonly nodaemon: true;
    readonly identifier: string;
    readonly umask: number;
  };
  readonly inetHttpServer: {
    readonly host: string;
    readonly port: number;
    readonly username: string;
    readonly password: string;
  };
  readonly supervisorctl: { readonly serverurl: string; readonly username: string; readonly password: string };
  /** `[include] files`, relative to supervisor.ini. */
  readonly include: readonly string[];
  readonly groups: readonly GroupModel[];
}

/** The whole supervisord model of a cluster. */
export interface SupervisorModel {
  readonly main: SupervisorMainModel;
  readonly programs: readonly ProgramModel[];
}

function program(plan: ClusterPlan, node: PlannedNode, binaries: ClusterBinaries): ProgramModel {
  const binary = node.binary === 'mongos' ? binaries.mongos! : binaries.mongod;
  const group = plan.groups.find((g) => g.nodes.includes(node.name));
  const { supervision, timeouts } = plan.definition;
  return {
    name: node.name,
    command: [binary, '--config', node.configFile],
    directory: plan.clusterDir,
    priority: group?.priority ?? 200,
    autostart: false,
    autorestart: 'unexpected',
    startsecs: supervision.startSecs,
    startretries: supervision.startRetries,
    stopsignal: 'INT',
    stopwaitsecs: Math.ceil(timeouts.stopMs / 1000),
    stopasgroup: true,
    killasgroup: true,
    redirectStderr: true,
    stdoutLogfile: node.logFile,
    stdoutLogfileMaxbytes: supervision.logMaxBytes,
    stdoutLogfileBackups: supervision.logBackups,
    ready: { kind: 'log-id', id: READY_LOG_ID },
    dependsOn: node.dependsOn,
    extensions: {
      x_role: node.role,
      ...(node.replicaSet !== undefined ? { x_replica_set: node.replicaSet } : {}),
      x_address: node.address,
    },
    file: node.programFile,
  };
}

/**
 * Builds the supervisord model of a planned cluster: the main file (supervisord, control endpoint,
 * include of every node's program file, groups by tier and shard) and one program per node.
 *
 * @throws TopologyConfigError when a binary path is missing or relative.
 * @example
 * ```ts
 * const model = supervisorModel(plan, { mongod: '/opt/mongodb/bin/mongod' });
 * ```
 */
export function supervisorModel(plan: ClusterPlan, binaries: ClusterBinaries): SupervisorModel {
  const problems = [];
  if (typeof binaries.mongod !== 'string' || !isAbsolute(binaries.mongod)) {
    problems.push({ path: 'binaries.mongod', message: `must be an absolute path, got ${String(binaries.mongod)}` });
  }
  if (
    plan.nodes.some((n) => n.binary === 'mongos') &&
    (typeof binaries.mongos !== 'string' || !isAbsolute(binaries.mongos))
  ) {
    problems.push({
      path: 'binaries.mongos',
      message: `a sharded cluster needs the absolute path of mongos, got ${String(binaries.mongos)}`,
    });
  }
  if (problems.length > 0) throw new TopologyConfigError('Cannot write supervisor programs', { problems });
  const s = plan.supervisor;
  return {
    main: {
      file: s.configFile,
      supervisord: {
        logfile: s.logFile,
        logfileMaxbytes: plan.definition.supervision.logMaxBytes,
        logfileBackups: plan.definition.supervision.logBackups,
        loglevel: 'info',
        pidfile: s.pidFile,
        childlogdir: join(plan.clusterDir, 'logs'),
        nodaemon: true,
        identifier: `mongo-topology-${plan.name}`,
        umask: 0o022,
      },
      inetHttpServer: { host: s.host, port: s.port, username: s.username, password: s.password },
      supervisorctl: { serverurl: s.url, username: s.username, password: s.password },
      include: ['conf/*/program.ini'],
      groups: plan.groups.map((g) => ({ name: g.name, programs: g.nodes, priority: g.priority })),
    },
    programs: plan.nodes.map((n) => program(plan, n, binaries)),
  };
}
