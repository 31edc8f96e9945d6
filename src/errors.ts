// The one typed error hierarchy of mongo-topology (DESIGN.md "Errors", STYLE.md rule 6).
// Every error has a stable `code`, readonly evidence fields, keeps its `cause`, and a message whose
// first line says what failed against which limit, followed by the command line, the last log lines
// and where to look.

const BRAND = Symbol.for('mongo-topology.error');

/** Evidence an error can carry. Every field is optional; set what you know. */
export interface ErrorEvidence {
  /** Node or program name, e.g. `rs0-1`. */
  readonly node?: string;
  readonly host?: string;
  readonly port?: number;
  /** The command line as an argument array. */
  readonly command?: readonly string[];
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly timeoutMs?: number;
  readonly logFile?: string;
  /** Last lines of the log, oldest first. */
  readonly logTail?: readonly string[];
  readonly cause?: unknown;
}

/** Base of every error mongo-topology throws. Never thrown itself. */
export abstract class MongoTopologyError extends Error implements ErrorEvidence {
  abstract readonly code: string;
  /** The first line of `message`: what failed and against which limit. */
  readonly shortMessage: string;
  readonly node?: string;
  readonly host?: string;
  readonly port?: number;
  readonly command?: readonly string[];
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly timeoutMs?: number;
  readonly logFile?: string;
  readonly logTail?: readonly string[];

  constructor(shortMessage: string, evidence: ErrorEvidence = {}) {
    super(formatMessage(shortMessage, evidence), evidence.cause === undefined ? undefined : { cause: evidence.cause });
    this.shortMessage = shortMessage;
    const { cause: _cause, ...fields } = evidence;
    Object.assign(this, fields);
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** Lets `isMongoTopologyError` recognise errors from another copy of the package (vitest globalSetup vs worker). */
  get [BRAND](): true {
    return true;
  }
}

function formatMessage(shortMessage: string, e: ErrorEvidence): string {
  const lines = [shortMessage];
  if (e.command && e.command.length > 0) lines.push(`Command: ${e.command.map(quoteArg).join(' ')}`);
  if (e.logTail && e.logTail.length > 0) {
    lines.push('Last log lines:');
    for (const l of e.logTail) lines.push(`  ${l}`);
  }
  if (e.logFile) lines.push(`Log file: ${e.logFile}`);
  return lines.join('\n');
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
}

/** True for any mongo-topology error, even one created by another copy of the package. */
export function isMongoTopologyError(e: unknown): e is MongoTopologyError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** One problem found while validating a spec or a config file. */
export interface ConfigProblem {
  /** Where: a builder path (`replicaSet.members[2].priority`) or `file:line`. */
  readonly path: string;
  readonly message: string;
}

/** Misuse of the API, a bad spec or a bad config file. Thrown before any process starts. */
export class TopologyConfigError extends MongoTopologyError {
  readonly code = 'MT_CONFIG';
  readonly problems: readonly ConfigProblem[];
  constructor(shortMessage: string, options: { problems?: readonly ConfigProblem[]; cause?: unknown } = {}) {
    const problems = options.problems ?? [];
    const full =
      problems.length > 0
        ? `${shortMessage}\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`
        : shortMessage;
    super(full, { cause: options.cause });
    this.problems = problems;
  }
}

/** A place binary resolution looked, and why it did not yield a usable binary. */
export interface BinaryAttempt {
  readonly source: 'binDir' | 'env' | 'PATH' | 'cache' | 'download';
  readonly location: string;
  readonly reason: string;
}

/**
 * Why binary resolution failed, one code per failure kind (src/binaries):
 * - `MT_BINARY_NOT_FOUND`: no mongod where we looked (and downloading was off or had nothing cached).
 * - `MT_BINARY_UNUSABLE`: a binary exists but `--version` failed (missing shared library, wrong CPU, not MongoDB).
 * - `MT_MONGOS_MISSING`: a sharded topology needs mongos and the binDir or archive has none.
 * - `MT_VERSION_MISMATCH`: a binary's version or edition is not the one asked for, or mongod and mongos differ.
 * - `MT_VERSION_UNSUPPORTED`: a binary (or every release a spec matches) is older than 4.4, the oldest
 *   server mongo-topology drives (it needs the JSON log 4.4 introduced).
 * - `MT_VERSION_NOT_AVAILABLE`: no release in the version list satisfies the spec.
 * - `MT_PLATFORM_UNSUPPORTED`: the release has no build for this platform/arch/distro.
 * - `MT_VERSION_LIST_FAILED`: the version list (full.json) could not be fetched or is not one, and none is cached.
 * - `MT_DOWNLOAD_FAILED`: the archive or its checksum file could not be downloaded (HTTP error, network, timeout).
 * - `MT_CHECKSUM_MISMATCH`: the archive's sha256 differs from the published one.
 * - `MT_CHECKSUM_UNAVAILABLE`: no sha256 is published for the archive, so it cannot be verified.
 * - `MT_ARCHIVE_INVALID`: the archive does not extract, or has no `bin/mongod`.
 * - `MT_LOCK_TIMEOUT`: another process held the download lock past the deadline.
 * - `MT_CACHE_UNWRITABLE`: the cache directory cannot be created or written.
 */
export type BinaryErrorCode =
  | 'MT_BINARY_NOT_FOUND'
  | 'MT_BINARY_UNUSABLE'
  | 'MT_MONGOS_MISSING'
  | 'MT_VERSION_MISMATCH'
  | 'MT_VERSION_UNSUPPORTED'
  | 'MT_VERSION_NOT_AVAILABLE'
  | 'MT_PLATFORM_UNSUPPORTED'
  | 'MT_VERSION_LIST_FAILED'
  | 'MT_DOWNLOAD_FAILED'
  | 'MT_CHECKSUM_MISMATCH'
  | 'MT_CHECKSUM_UNAVAILABLE'
  | 'MT_ARCHIVE_INVALID'
  | 'MT_LOCK_TIMEOUT'
  | 'MT_CACHE_UNWRITABLE';

/** No usable mongod/mongos could be found or downloaded, or a download failed verification. */
export class BinaryResolutionError extends MongoTopologyError {
  readonly code: BinaryErrorCode | 'MT_BINARY';
  readonly attempts: readonly BinaryAttempt[];
  /** What the user can do about it (also the message's last line). */
  readonly hint?: string;
  constructor(
    shortMessage: string,
    options: { attempts?: readonly BinaryAttempt[]; code?: BinaryErrorCode; hint?: string; cause?: unknown } = {},
  ) {
    const attempts = options.attempts ?? [];
    const lines = [shortMessage];
    if (attempts.length > 0) {
      lines.push('Tried:');
      for (const a of attempts) lines.push(`  - ${a.source} ${a.location}: ${a.reason}`);
    }
    if (options.hint) lines.push(options.hint);
    super(lines.join('\n'), { cause: options.cause });
    this.code = options.code ?? 'MT_BINARY';
    this.attempts = attempts;
    this.hint = options.hint;
  }
}

/** A process failed to start or exited during boot (port taken, crash at start, bad option). */
export class ProcessStartError extends MongoTopologyError {
  readonly code: string;
  constructor(shortMessage: string, evidence: ErrorEvidence & { code?: string } = {}) {
    super(shortMessage, evidence);
    this.code = evidence.code ?? 'MT_START';
  }
}

/** A wait passed its deadline. The message says what it was waiting for. */
export class StartupTimeoutError extends MongoTopologyError {
  readonly code = 'MT_TIMEOUT';
  /** What the wait was waiting for, e.g. `log id 23016 from rs0-1`. */
  readonly waitingFor: string;
  constructor(shortMessage: string, evidence: ErrorEvidence & { waitingFor: string }) {
    super(shortMessage, evidence);
    this.waitingFor = evidence.waitingFor;
  }
}

/**
 * What `expectAutoRestart` observed: the process before and after, how long the supervisor took to
 * start it again and the node to be usable, the state it rejoined its replica set in, and whether
 * the set elected another primary meanwhile. Times are from the kill.
 */
export interface AutoRestartEvidence {
  readonly node: string;
  readonly signal: string;
  readonly oldPid: number;
  readonly newPid: number;
  /** How the killed process ended, as the supervisor saw it (-1: killed by a signal). */
  readonly exitStatus: number | null;
  /** Kill to the supervisor spawning the new process. */
  readonly respawnMs: number;
  /** Kill to the new process logging "Waiting for connections" (23016). */
  readonly listeningMs: number;
  /** Kill to the node being healthy again: PRIMARY/SECONDARY/ARBITER in its set, or answering hello. */
  readonly readyMs: number;
  /** The state it rejoined in; `ROUTER` for a mongos, `STANDALONE` for a standalone. */
  readonly state: string;
  /** The set's primary before the kill and once the node was back (with `waitForPrimary`). */
  readonly primaryBefore?: string;
  readonly primaryAfter?: string;
  /** Whether the set's primary after is another node or the same node in a newer term. */
  readonly newPrimaryElected: boolean;
  /** The supervisor's count of automatic restarts of this node, after this one. */
  readonly restartCount: number;
}

/** A node killed on purpose did not come back as expected (supervisor did not respawn it, or it never rejoined). */
export class AutoRestartError extends MongoTopologyError {
  readonly code = 'MT_AUTO_RESTART';
  /** Where it got stuck: `exit`, `respawn`, `listening`, `healthy` or `primary`. */
  readonly phase: string;
  /** What was observed up to that point. */
  readonly evidence: Partial<AutoRestartEvidence>;
  constructor(
    shortMessage: string,
    details: ErrorEvidence & { readonly phase: string; readonly evidence: Partial<AutoRestartEvidence> },
  ) {
    const { phase, evidence, ...rest } = details;
    super(shortMessage, rest);
    this.phase = phase;
    this.evidence = evidence;
  }
}

/** The process supervisor failed: bad INI, unknown program, control API fault. */
export class SupervisorError extends MongoTopologyError {
  readonly code: string;
  /** supervisord XML-RPC fault code when the error maps to one (e.g. 10 BAD_NAME). */
  readonly faultCode?: number;
  constructor(shortMessage: string, evidence: ErrorEvidence & { code?: string; faultCode?: number } = {}) {
    super(shortMessage, evidence);
    this.code = evidence.code ?? 'MT_SUPERVISOR';
    this.faultCode = evidence.faultCode;
  }
}
