// Which server versions and binaries know which `setParameter` names. mongod and mongos refuse to
// start on a parameter they do not know (exit code 2), so a name used on the wrong binary or version
// is caught before anything starts. The table covers the parameters mongo-topology sets itself and
// the ones test setups commonly set; a name not in the table is passed through with a warning.
//
// Sources: the MongoDB manual's "MongoDB Server Parameters" page ("Available for mongod only",
// "New in version X"), and resmoke's note that 4.4 and earlier have no quiesce mode (hence no
// shutdownTimeoutMillisForSignaledShutdown).

import type { ServerParameterValue } from './types.js';
import {
  describeSpan,
  specMayBeIn,
  versionInSpan,
  type VersionSpan,
  type VersionSpec,
} from '../common/version-spec.js';

/** The versions of each binary that know a parameter. A missing binary key means that binary never knows it. */
export interface ParameterSupport {
  readonly mongod?: VersionSpan;
  readonly mongos?: VersionSpan;
  /** Extra advice when the parameter is unknown, e.g. what replaced it. */
  readonly hint?: string;
}

const ALL: VersionSpan = Object.freeze({});
const both = (span: VersionSpan = ALL): ParameterSupport => Object.freeze({ mongod: span, mongos: span });
const mongodOnly = (span: VersionSpan = ALL, hint?: string): ParameterSupport =>
  Object.freeze({ mongod: span, ...(hint ? { hint } : {}) });
const mongosOnly = (span: VersionSpan = ALL): ParameterSupport => Object.freeze({ mongos: span });

/** Known server parameters. Spans only matter from 4.4 on, the oldest server mongo-topology supports. */
export const SERVER_PARAMETERS: Readonly<Record<string, ParameterSupport>> = Object.freeze({
  // Set by mongo-topology for throwaway clusters (src/config/server-config.ts).
  diagnosticDataCollectionEnabled: both(),
  shutdownTimeoutMillisForSignaledShutdown: mongodOnly(
    { since: '5.0' },
    'mongos uses mongosShutdownTimeoutMillisForSignaledShutdown',
  ),
  mongosShutdownTimeoutMillisForSignaledShutdown: mongosOnly({ since: '5.0' }),

  // Testing and diagnostics.
  enableTestCommands: both(),
  diagnosticDataCollectionDirectorySizeMB: both(),
  diagnosticDataCollectionPeriodMillis: both(),
  logLevel: both(),
  logComponentVerbosity: both(),
  quiet: both(),
  traceExceptions: both(),

  // Sessions, cursors and transactions.
  logicalSessionTimeoutMinutes: both(),
  logicalSessionRefreshMillis: both(),
  disableLogicalSessionCacheRefresh: both(),
  maxSessions: both(),
  cursorTimeoutMillis: both(),
  transactionLifetimeLimitSeconds: mongodOnly(),
  maxTransactionLockRequestTimeoutMillis: mongodOnly(),
  maxAcceptableLogicalClockDriftSecs: both(),

  // Authentication.
  authenticationMechanisms: both(),
  enableLocalhostAuthBypass: both(),
  scramIterationCount: both(),
  scramSHA256IterationCount: both(),

  // Replication.
  periodicNoopIntervalSecs: mongodOnly(),
  writePeriodicNoops: mongodOnly(),
  waitForSecondaryBeforeNoopWriteMS: mongodOnly(),
  oplogFetcherUsesExhaust: mongodOnly({ since: '4.4' }),
  replWriterThreadCount: mongodOnly(),
  replBatchLimitOperations: mongodOnly(),
  enableFlowControl: mongodOnly(),
  flowControlTargetLagSeconds: mongodOnly(),
  minSnapshotHistoryWindowInSeconds: mongodOnly({ since: '4.4' }),

  // Queries, indexes, TTL.
  notablescan: mongodOnly(),
  ttlMonitorEnabled: mongodOnly(),
  ttlMonitorSleepSecs: mongodOnly(),
  maxIndexBuildMemoryUsageMegabytes: mongodOnly(),
  maxNumActiveUserIndexBuilds: mongodOnly({ since: '4.4' }),
  internalQueryMaxBlockingSortMemoryUsageBytes: mongodOnly({ since: '4.4' }),
  internalQueryExecMaxBlockingSortBytes: mongodOnly(
    { until: '4.4' },
    'renamed internalQueryMaxBlockingSortMemoryUsageBytes in 4.4',
  ),

  // Storage.
  honorSystemUmask: mongodOnly(),
  wiredTigerConcurrentReadTransactions: mongodOnly(),
  wiredTigerConcurrentWriteTransactions: mongodOnly(),
  storageEngineConcurrentReadTransactions: mongodOnly({ since: '7.0' }),
  storageEngineConcurrentWriteTransactions: mongodOnly({ since: '7.0' }),

  // Sharding and connection pools.
  orphanCleanupDelaySecs: mongodOnly(),
  rangeDeleterBatchSize: mongodOnly(),
  rangeDeleterBatchDelayMS: mongodOnly(),
  migrateCloneInsertionBatchSize: mongodOnly(),
  enableShardedIndexConsistencyCheck: mongodOnly({ since: '4.4' }),
  ShardingTaskExecutorPoolMinSize: both(),
  ShardingTaskExecutorPoolMaxSize: both(),
  ShardingTaskExecutorPoolHostTimeoutMS: both(),
  taskExecutorPoolSize: both(),
  connPoolMaxConnsPerHost: both(),
});

/** Feature flags differ per build and release; they are passed through without a warning. */
const PASS_THROUGH = /^featureFlag[A-Z]/;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The verdict on one parameter for one binary. */
export type ParameterCheck =
  | { readonly kind: 'ok' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'wrong-binary'; readonly message: string }
  | { readonly kind: 'wrong-version'; readonly message: string };

/** Whether `name` is a well-formed parameter name. */
export function isParameterName(name: string): boolean {
  return NAME.test(name);
}

/** Whether `binary` knows parameter `name` at all, ignoring versions. Unknown names count as known. */
export function binaryMayKnow(name: string, binary: 'mongod' | 'mongos'): boolean {
  const support = SERVER_PARAMETERS[name];
  return support === undefined || support[binary] !== undefined;
}

/**
 * Checks a parameter against a binary and, if known, a version: either an exact server version
 * (from the resolved binary) or the spec's range, in which case it fails only when no version in the
 * range knows the parameter.
 */
export function checkParameter(
  name: string,
  binary: 'mongod' | 'mongos',
  version: { readonly exact?: string; readonly spec?: VersionSpec },
): ParameterCheck {
  const support = SERVER_PARAMETERS[name];
  if (support === undefined) return { kind: PASS_THROUGH.test(name) ? 'ok' : 'unknown' };
  const span = support[binary];
  const hint = support.hint ? ` (${support.hint})` : '';
  if (span === undefined) {
    const other = binary === 'mongod' ? 'mongos' : 'mongod';
    return { kind: 'wrong-binary', message: `${binary} does not know setParameter ${name}; only ${other} does${hint}` };
  }
  const known = version.exact !== undefined ? versionInSpan(version.exact, span) : specMayBeIn(version.spec, span);
  if (!known) {
    const which = version.exact ?? version.spec?.raw;
    const subject = which !== undefined ? `${binary} ${which} does not know` : `no supported ${binary} version knows`;
    return {
      kind: 'wrong-version',
      message: `${subject} setParameter ${name}: it exists in ${describeSpan(span)}${hint}`,
    };
  }
  return { kind: 'ok' };
}

/** Whether a value can be written as a YAML setParameter scalar. */
export function isParameterValue(value: unknown): value is ServerParameterValue {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}
