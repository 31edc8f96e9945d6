// Reads the JSON log lines (logv2, MongoDB 4.4+) that mongod and mongos write to stdout, as the
// supervisor streams them: which line says a node listens (23016), which ones say a start failed and
// why (address in use, fatal assertion, startup exception, key file), the exit code a server logs as
// it exits (23138), and the replica-set lines the boot wakes up on. Failure kinds map to a hint for
// the user (reference/mongodb-memory-server.md §1.4 lists what users hit most).

/** Log ids the boot and the fault hooks act on (reference/mongod-behaviour.md §5.3). */
export const LOG_ID = Object.freeze({
  /** NETWORK "Waiting for connections": the node listens. */
  waitingForConnections: 23016,
  /** NETWORK "Failed to set up listener" (mongod). */
  failedToSetUpListener: 23024,
  /** CONTROL "Error setting up listener" (mongod). */
  errorSettingUpListener: 20568,
  /** The listener failure id mongos logs (mongodb-runner matches it). */
  mongosListenerFailed: 22856,
  /** CONTROL "DBException in initAndListen, terminating" (exit 100). */
  dbException: 20557,
  /** CONTROL "Error creating service context" (a key file mongod refuses, exit 1). */
  serviceContextError: 20575,
  /** ASSERT "Fatal assertion". */
  fatalAssertion: 23089,
  /** CONTROL "Shutting down" with `attr.exitCode`: the last line of a server that exits. */
  shuttingDown: 23138,
  /** REPL "Replica set state transition" `{newState, oldState}`. */
  stateTransition: 21358,
  /** REPL "Member is in new state" (seen through heartbeats). */
  memberNewState: 21215,
  /** REPL "New replica set config in use". */
  newConfig: 21392,
  /** REPL "Transition to primary complete; database writes are now permitted". */
  writablePrimary: 21331,
});

/** The replica-set lines after which a wait on a set is worth re-checking. */
export const REPLICA_SET_PROGRESS_IDS: ReadonlySet<number> = new Set([
  LOG_ID.stateTransition,
  LOG_ID.memberNewState,
  LOG_ID.newConfig,
  LOG_ID.writablePrimary,
]);

/** One parsed logv2 line. */
export interface ServerLogEntry {
  readonly s: string;
  readonly c: string;
  readonly id: number;
  readonly ctx: string;
  readonly msg: string;
  readonly attr?: Readonly<Record<string, unknown>>;
}

const ID_RE = /"id":(\d+),/;

/** The log id of a line without parsing all of it, or undefined for a line that is not logv2 JSON. */
export function logIdOf(text: string): number | undefined {
  if (!text.startsWith('{')) return undefined;
  const m = ID_RE.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Parses a logv2 line; undefined for anything else (text a wrapper script printed, a torn line). */
export function parseLogLine(text: string): ServerLogEntry | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(text) as Partial<ServerLogEntry>;
    return typeof v.id === 'number' && typeof v.msg === 'string' ? (v as ServerLogEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** Why a server did not come up, as far as its log says. */
export type StartFailureKind =
  | 'address-in-use'
  | 'fatal-assertion'
  | 'startup-exception'
  | 'key-file'
  | 'bad-options'
  | 'missing-library'
  | 'exited';

/** What a server's log says about a failed start. */
export interface StartFailure {
  readonly kind: StartFailureKind;
  /** The server's own words, e.g. `DBPathInUse: Unable to lock the lock file ...`. */
  readonly detail?: string;
  /** The exit code the server logged (23138), when it logged one. */
  readonly exitCode?: number;
  /** What the user can do about it. */
  readonly hint?: string;
}

const HINTS: Readonly<Record<StartFailureKind, string | undefined>> = {
  'address-in-use':
    'Another program took the port; mongo-topology moves a node to a new port before its replica set is initiated, so this means every attempt collided.',
  'fatal-assertion': 'The server aborted on a fatal assertion; the log lines below say where.',
  'startup-exception':
    'The server refused to start (data directory missing, locked by another mongod, read-only, or written by another version).',
  'key-file': 'The server refused its key file (it must be readable by the owner only, 6-1024 base64 characters).',
  'bad-options':
    'The server rejected its options; check the .args()/.setParameters() of the spec against this version.',
  'missing-library':
    'The binary needs a shared library this machine lacks (often libcrypto/libssl of another OS release); use a build for this distribution.',
  exited: undefined,
};

function errorText(attr: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const e = attr?.error;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    const name = typeof o.codeName === 'string' ? o.codeName : undefined;
    const msg = typeof o.errmsg === 'string' ? o.errmsg : undefined;
    return [name, msg].filter(Boolean).join(': ') || undefined;
  }
  return undefined;
}

/**
 * Reads the output of one start attempt (oldest line first) and says why it failed. Lines that are
 * not JSON are checked too: a missing shared library or a bad option is reported by the loader or the
 * option parser before the log is set up.
 */
export function classifyStartFailure(lines: readonly string[]): StartFailure {
  let kind: StartFailureKind | undefined;
  let detail: string | undefined;
  let exitCode: number | undefined;
  const pick = (k: StartFailureKind, d: string | undefined) => {
    // The first decisive line wins; later lines are the shutdown that follows it.
    if (kind === undefined) {
      kind = k;
      detail = d;
    }
  };
  for (const text of lines) {
    const entry = parseLogLine(text);
    if (entry) {
      switch (entry.id) {
        case LOG_ID.failedToSetUpListener:
        case LOG_ID.errorSettingUpListener:
        case LOG_ID.mongosListenerFailed:
          pick(/address already in use/i.test(text) ? 'address-in-use' : 'startup-exception', errorText(entry.attr));
          break;
        case LOG_ID.dbException:
          pick('startup-exception', errorText(entry.attr));
          break;
        case LOG_ID.serviceContextError:
          pick('key-file', errorText(entry.attr));
          break;
        case LOG_ID.fatalAssertion:
          pick('fatal-assertion', typeof entry.attr?.msgid === 'number' ? `fassert ${entry.attr.msgid}` : undefined);
          break;
        case LOG_ID.shuttingDown:
          if (typeof entry.attr?.exitCode === 'number') exitCode = entry.attr.exitCode;
          break;
        default:
          if (entry.s === 'F' && /aborting after/i.test(entry.msg)) pick('fatal-assertion', entry.msg.trim());
          else if (/^Read security file failed|security key/i.test(entry.msg)) pick('key-file', errorText(entry.attr));
      }
      continue;
    }
    if (/address already in use/i.test(text)) pick('address-in-use', text.trim());
    else if (/cannot open shared object file/i.test(text)) pick('missing-library', text.trim());
    else if (/\*\*\*aborting after/i.test(text)) pick('fatal-assertion', text.trim());
    else if (/^Error parsing (command line|YAML config file)|unrecognised option|Unrecognized option/i.test(text))
      pick('bad-options', text.trim());
  }
  if (kind === undefined && exitCode === 48) kind = 'address-in-use';
  const k = kind ?? 'exited';
  return {
    kind: k,
    ...(detail !== undefined ? { detail } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(HINTS[k] !== undefined ? { hint: HINTS[k] } : {}),
  };
}

/** The last `count` lines worth showing in an error: E/F entries first if there are any, else the raw tail. */
export function evidenceLines(lines: readonly string[], count = 20): string[] {
  const severe = lines.filter((l) => {
    const e = parseLogLine(l);
    return e ? e.s === 'E' || e.s === 'F' : l.trim() !== '';
  });
  const pool = severe.length > 0 ? severe : lines.filter((l) => l.trim() !== '');
  return pool.slice(-count);
}
