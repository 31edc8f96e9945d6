// The CLI's exit codes, in one place so `--help`, docs/cli.md and the code agree.

import { constants } from 'node:os';

/** Exit codes of `mongo-topology`. */
export const EXIT = Object.freeze({
  /** Success. */
  ok: 0,
  /** A runtime failure: a boot that failed, a cluster that is not there, a node that did not come back. */
  failure: 1,
  /** A usage error: unknown command or flag, a bad value, a bad config file. */
  usage: 2,
  /** `exec`: the command was found but could not be run. */
  cannotExecute: 126,
  /** `exec`: the command was not found. */
  notFound: 127,
});

/** 128 + the signal's number, as shells report a death by signal (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** The epilog of `mongo-topology --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    runtime failure (boot failed, no such cluster or node, a node did not come back)
  2    usage error (unknown command or flag, bad value, bad config file)
  126  exec: the command could not be run;  127  exec: the command was not found
  128+n  ended by signal n, after tearing the cluster down (130 Ctrl-C/SIGINT, 143 SIGTERM, 129 SIGHUP)
  exec passes its command's exit code through (128+n when the command died by signal n).

Environment:
  MONGO_TOPOLOGY_HOME             state directory of named clusters (default ~/.mongo-topology)
  MONGO_TOPOLOGY_BIN_DIR          directory with mongod/mongos to use
  MONGO_TOPOLOGY_CACHE_DIR        binary cache; MONGO_TOPOLOGY_DOWNLOAD_MIRROR  download mirror
  NO_COLOR                        no colours;  DEBUG=mongo-topology*  debug output and stack traces`;
