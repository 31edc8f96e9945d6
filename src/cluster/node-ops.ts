// Starting one node and knowing when it is up: ask the supervisor to start its program, wait for the
// node's own "Waiting for connections" line (log id 23016) in the supervisor's line stream, then a
// `hello` round trip. A start that fails is recognised from the supervisor's process events (the
// program exited or backed off) and explained from the node's log (address in use, fatal assertion,
// startup exception), with the command line, the last log lines and the log path.

import type { Document } from 'mongodb';
import { ProcessStartError, StartupTimeoutError, isMongoTopologyError } from '../errors.js';
import type { SupervisorEvent } from '../supervisor/control/types.js';
import type { NodeLayout } from './layout.js';
import { LOG_ID, classifyStartFailure, logIdOf, type StartFailure } from './log-lines.js';
import { fileSize, nodeEvidence, readLinesFrom, type ClusterRuntime } from './runtime.js';
import { Deadline } from './watch.js';

/** The program of a node exited (or could not be spawned) before the node listened. */
export class NodeStartFailed extends ProcessStartError {
  constructor(
    message: string,
    readonly failure: StartFailure,
    evidence: ConstructorParameters<typeof ProcessStartError>[1],
  ) {
    super(message, evidence);
  }
}

const EXIT_EVENTS = new Set(['PROCESS_STATE_EXITED', 'PROCESS_STATE_BACKOFF', 'PROCESS_STATE_FATAL']);

/** Where a node stands after a start request: listening, with the pid that logged 23016. */
export interface Listening {
  readonly pid: number;
  /** When the 23016 line arrived, ms since the epoch. */
  readonly time: number;
}

/**
 * Starts a node's program and waits for its 23016 line. `start` defaults to a supervisor start; the
 * fault hooks pass their own action (the supervisor's respawn after a kill is awaited the same way).
 *
 * @throws NodeStartFailed when the program exits or cannot be spawned first (stopping it, so the
 *   supervisor does not retry it).
 * @throws StartupTimeoutError at the deadline.
 */
export async function startAndWaitListening(
  rt: ClusterRuntime,
  node: NodeLayout,
  outer: Deadline,
  options: { readonly start?: () => Promise<unknown>; readonly notPid?: number } = {},
): Promise<Listening> {
  const offset = fileSize(node.logFile);
  // Lets the wait end early when the start call fails.
  const cancel = new AbortController();
  const deadline = outer.linkedTo(cancel.signal);
  let listening: Listening | undefined;
  let exit: SupervisorEvent | undefined;
  const wait = rt.watch.waitUntil<Listening>({
    what: `${node.name} (${node.address}) to log id ${LOG_ID.waitingForConnections} "Waiting for connections"`,
    deadline,
    check: () => listening,
    wakeOnLine: (l) => {
      if (l.name !== node.namespec || l.pid === options.notPid) return false;
      if (listening === undefined && logIdOf(l.text) === LOG_ID.waitingForConnections) {
        listening = { pid: l.pid, time: l.time };
        return true;
      }
      return false;
    },
    failOnEvent: (e) => {
      if (!('name' in e) || e.name !== node.namespec || !EXIT_EVENTS.has(e.type) || listening) return undefined;
      exit = e;
      return new Error('exited');
    },
    pollMs: 1_000,
    onTimeout: () =>
      new StartupTimeoutError(
        `Node ${node.name} (${node.address}) not ready after ${outer.timeoutMs}ms: waiting for log id ${LOG_ID.waitingForConnections} "Waiting for connections"`,
        {
          ...nodeEvidence(node, offset),
          waitingFor: `log id ${LOG_ID.waitingForConnections} from ${node.name}`,
          timeoutMs: outer.timeoutMs,
        },
      ),
  });
  // Observe a rejection even if the start call below throws first.
  wait.catch(() => undefined);
  try {
    await (options.start ? options.start() : rt.control.start(node.namespec, { wait: false }));
  } catch (e) {
    cancel.abort();
    await stopQuietly(rt, node);
    const ev = nodeEvidence(node, offset);
    const why = (e as Error).message.split('\n')[0];
    throw new NodeStartFailed(
      `Node ${node.name} (${node.address}) could not be started: ${why}`,
      { kind: 'exited' },
      {
        ...ev,
        ...(isMongoTopologyError(e) && e.logTail ? { logTail: e.logTail } : {}),
        code: 'MT_SPAWN_FAILED',
        cause: e,
      },
    );
  }
  try {
    return await wait;
  } catch (e) {
    if (exit === undefined) throw e;
    // The program ended before it listened. Stop it so the supervisor does not retry it, then read
    // what this attempt wrote (the log file is complete: the supervisor reaps a child only after its
    // output is drained).
    await stopQuietly(rt, node);
    const lines = readLinesFrom(node.logFile, offset);
    const failure = classifyStartFailure(lines);
    const info = await rt.control.info(node.namespec).catch(() => undefined);
    // The exit status as the supervisor saw it (our extension of its EXITED and BACKOFF events).
    const seen = 'exitStatus' in exit ? exit.exitStatus : info?.exitStatus;
    const exitCode = failure.exitCode ?? (typeof seen === 'number' && seen >= 0 ? seen : undefined);
    const what =
      failure.kind === 'address-in-use'
        ? `port ${node.port} is already in use`
        : failure.kind === 'exited'
          ? `it exited${exitCode !== undefined ? ` with code ${exitCode}` : ''} before it listened`
          : `${failure.kind.replace('-', ' ')}${failure.detail ? `: ${failure.detail}` : ''}`;
    const spawnErr = exit.type === 'PROCESS_STATE_FATAL' && info?.spawnErr ? ` (${info.spawnErr})` : '';
    throw new NodeStartFailed(
      `Node ${node.name} (${node.address}) failed to start: ${what}${spawnErr}${failure.hint ? `\n${failure.hint}` : ''}`,
      failure,
      {
        ...nodeEvidence(node, offset),
        ...(exitCode !== undefined && exitCode !== null ? { exitCode } : {}),
        code: failure.kind === 'address-in-use' ? 'MT_PORT_IN_USE' : 'MT_START_EXITED',
      },
    );
  } finally {
    cancel.abort();
  }
}

/** Stops a node's program, ignoring "not running" and supervisor errors (used on failure paths). */
export async function stopQuietly(rt: ClusterRuntime, node: NodeLayout): Promise<void> {
  try {
    await rt.control.stop(node.namespec, { timeoutMs: 30_000 });
  } catch {
    // Already stopped, or the supervisor is gone: nothing left to stop.
  }
}

/** A `hello` round trip; retried while the node is not yet answering. */
export async function waitHello(rt: ClusterRuntime, node: NodeLayout, deadline: Deadline): Promise<Document> {
  return rt.watch.waitUntil({
    what: `${node.name} (${node.address}) to answer hello`,
    deadline,
    check: () =>
      rt.conns.attempt(
        node,
        { hello: 1 },
        { timeoutMs: Math.min(5_000, deadline.remainingMs()), signal: deadline.signal },
      ),
    wakeOnLine: (l) => l.name === node.namespec && logIdOf(l.text) === LOG_ID.waitingForConnections,
    pollMs: 100,
    onTimeout: (last) =>
      new StartupTimeoutError(
        `Node ${node.name} (${node.address}) did not answer hello within ${deadline.timeoutMs}ms`,
        {
          ...nodeEvidence(node),
          waitingFor: `hello from ${node.name}`,
          timeoutMs: deadline.timeoutMs,
          cause: last,
        },
      ),
  });
}
