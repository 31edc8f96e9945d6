// What the boot and the fault hooks do to a replica set: initiate it, make the deterministic primary
// (highest priority, else member 0) primary at once with `replSetStepUp` instead of waiting out an
// election timeout, wait for a writable primary, and wait until every member is PRIMARY, SECONDARY or
// ARBITER. Each wait re-checks when a member logs a replica-set transition (21358, 21215, 21392,
// 21331) and polls slowly otherwise.

import type { Document } from 'mongodb';
import { MongoServerError } from 'mongodb';
import { StartupTimeoutError } from '../errors.js';
import type { LogLine } from '../supervisor/control/types.js';
import { electableMembers, membersOf, type NodeLayout, type ReplicaSetLayout } from './layout.js';
import { REPLICA_SET_PROGRESS_IDS, logIdOf } from './log-lines.js';
import { nodeEvidence, type ClusterRuntime } from './runtime.js';
import { NotYet, type Deadline } from './watch.js';

/** A replica-set member state (`replSetGetStatus.myState`, reference/mongod-behaviour.md §3.1). */
export type MemberStateName =
  | 'STARTUP'
  | 'PRIMARY'
  | 'SECONDARY'
  | 'RECOVERING'
  | 'STARTUP2'
  | 'UNKNOWN'
  | 'ARBITER'
  | 'DOWN'
  | 'ROLLBACK'
  | 'REMOVED';

const STATE_NAMES: Readonly<Record<number, MemberStateName>> = {
  0: 'STARTUP',
  1: 'PRIMARY',
  2: 'SECONDARY',
  3: 'RECOVERING',
  5: 'STARTUP2',
  6: 'UNKNOWN',
  7: 'ARBITER',
  8: 'DOWN',
  9: 'ROLLBACK',
  10: 'REMOVED',
};

/** The states a healthy member is in. */
export const HEALTHY_STATES: ReadonlySet<MemberStateName> = new Set(['PRIMARY', 'SECONDARY', 'ARBITER']);

/** Per-attempt limit of one command inside a wait. */
const ATTEMPT_MS = 5_000;

function attemptMs(deadline: Deadline): number {
  return Math.max(1, Math.min(ATTEMPT_MS, deadline.remainingMs()));
}

/** Wakes a wait on `set` when one of its members logs replica-set progress. */
function setProgress(set: ReplicaSetLayout, rt: ClusterRuntime): (l: LogLine) => boolean {
  const names = new Set(membersOf(rt.layout(), set).map((n) => n.namespec));
  return (l) => names.has(l.name) && REPLICA_SET_PROGRESS_IDS.has(logIdOf(l.text) ?? -1);
}

/** A member's own view of its state; NotYet while it cannot say (not initiated, not reachable). */
export async function memberState(rt: ClusterRuntime, node: NodeLayout, deadline: Deadline): Promise<MemberStateName> {
  const status = await rt.conns.attempt(
    node,
    { replSetGetStatus: 1 },
    { timeoutMs: attemptMs(deadline), signal: deadline.signal },
  );
  return STATE_NAMES[Number(status.myState)] ?? 'UNKNOWN';
}

/**
 * Runs `replSetInitiate` with the planned document on the planned primary. "Already initialized" is
 * success (a retried boot); a quorum failure (a member not answering heartbeats yet) is retried.
 */
export async function initiate(rt: ClusterRuntime, set: ReplicaSetLayout, deadline: Deadline): Promise<void> {
  const node = rt.layout().nodes.find((n) => n.name === set.initialPrimary)!;
  const config = currentConfig(rt, set);
  await rt.watch.waitUntil({
    what: `replSetInitiate of ${set.name} on ${node.name}`,
    deadline,
    check: async () => {
      try {
        await rt.conns.attempt(
          node,
          { replSetInitiate: config },
          { timeoutMs: attemptMs(deadline), signal: deadline.signal },
        );
      } catch (e) {
        if (e instanceof MongoServerError && e.code === 23) return true; // AlreadyInitialized
        throw e;
      }
      return true;
    },
    pollMs: 200,
    onTimeout: (last) =>
      timeout(`Replica set ${set.name} could not be initiated on ${node.name}`, node, deadline, last),
  });
}

/** The initiate document with the members' current addresses (a member may have moved port before). */
function currentConfig(rt: ClusterRuntime, set: ReplicaSetLayout): Document {
  const members = membersOf(rt.layout(), set);
  return {
    ...set.config,
    members: set.config.members.map((m, i) => ({ ...m, host: members[i].address })),
  };
}

/**
 * Makes `target` the writable primary of its set: once it is SECONDARY and a majority of voters
 * have the config, `replSetStepUp` (which runs the election at once rather than after an election
 * timeout), retried until it wins; then waits for writes to be permitted. A one-member set elects
 * itself, so nothing is sent to it. Returns the primary's `hello`.
 */
export async function makePrimary(
  rt: ClusterRuntime,
  set: ReplicaSetLayout,
  target: NodeLayout,
  deadline: Deadline,
): Promise<Document> {
  const members = membersOf(rt.layout(), set);
  const voters = members.filter((n) => set.config.members[n.memberIndex!]?.votes === 1);
  const majority = Math.floor(voters.length / 2) + 1;
  const single = members.length === 1;
  return rt.watch.waitUntil({
    what: `${target.name} to become the writable primary of ${set.name}`,
    deadline,
    check: async () => {
      const hello = await rt.conns.attempt(
        target,
        { hello: 1 },
        { timeoutMs: attemptMs(deadline), signal: deadline.signal },
      );
      if (hello.isWritablePrimary === true) return hello;
      if (single || hello.secondary !== true) throw new NotYet(`${target.name} is not yet SECONDARY or writable`);
      // Voters learn the config from heartbeats; an election before a majority has it cannot win.
      const configured = await Promise.all(
        voters.map(async (n) => {
          if (n === target) return true;
          try {
            const h = await rt.conns.command(
              n,
              { hello: 1 },
              { timeoutMs: attemptMs(deadline), signal: deadline.signal },
            );
            return h.setName === set.name;
          } catch {
            return false;
          }
        }),
      );
      const have = configured.filter(Boolean).length;
      if (have < majority) throw new NotYet(`${have} of ${voters.length} voters of ${set.name} have its config`);
      try {
        await rt.conns.attempt(
          target,
          { replSetStepUp: 1 },
          { timeoutMs: attemptMs(deadline), signal: deadline.signal },
        );
      } catch (e) {
        // "Election failed." (a vote not granted yet): try again on the next transition.
        if (e instanceof MongoServerError)
          throw new NotYet(`replSetStepUp on ${target.name}: ${e.message}`, { cause: e });
        throw e;
      }
      const after = await rt.conns.attempt(
        target,
        { hello: 1 },
        { timeoutMs: attemptMs(deadline), signal: deadline.signal },
      );
      if (after.isWritablePrimary === true) return after;
      throw new NotYet(`${target.name} won the election and is draining`);
    },
    wakeOnLine: setProgress(set, rt),
    pollMs: 100,
    onTimeout: (last) => timeout(`${target.name} did not become primary of ${set.name}`, target, deadline, last),
  });
}

/** The writable primary of a set right now, with its hello, or undefined. */
export async function findPrimary(
  rt: ClusterRuntime,
  set: ReplicaSetLayout,
  deadline: Deadline,
): Promise<{ node: NodeLayout; hello: Document } | undefined> {
  const candidates = electableOrAll(rt, set);
  const hellos = await Promise.all(
    candidates.map(async (node) => {
      try {
        const hello = await rt.conns.command(
          node,
          { hello: 1 },
          { timeoutMs: attemptMs(deadline), signal: deadline.signal },
        );
        return hello.isWritablePrimary === true ? { node, hello } : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const primaries = hellos.filter((h): h is { node: NodeLayout; hello: Document } => h !== undefined);
  // Two nodes may briefly both think they are primary; the newer term wins.
  primaries.sort((a, b) => termOf(b.hello) - termOf(a.hello));
  return primaries[0];
}

function electableOrAll(rt: ClusterRuntime, set: ReplicaSetLayout): NodeLayout[] {
  const e = electableMembers(rt.layout(), set);
  return e.length > 0 ? e : membersOf(rt.layout(), set);
}

/** The election term a primary's hello reports (the counter inside `electionId`), 0 when unknown. */
export function termOf(hello: Document): number {
  const id: unknown = hello.electionId;
  if (id && typeof id === 'object' && 'toHexString' in id) {
    const hex = (id as { toHexString(): string }).toHexString();
    // electionId is an ObjectId whose last 8 bytes hold the term (OID::fromTerm).
    return Number.parseInt(hex.slice(8), 16);
  }
  return 0;
}

/** Waits for a writable primary (optionally one other than `notNode`). */
export async function waitForPrimary(
  rt: ClusterRuntime,
  set: ReplicaSetLayout,
  deadline: Deadline,
  options: { readonly notNode?: string; readonly minTerm?: number } = {},
): Promise<{ node: NodeLayout; hello: Document }> {
  return rt.watch.waitUntil({
    what: `a writable primary of ${set.name}${options.notNode ? ` other than ${options.notNode}` : ''}`,
    deadline,
    check: async () => {
      const p = await findPrimary(rt, set, deadline);
      if (!p) throw new NotYet(`no member of ${set.name} is a writable primary`);
      if (options.notNode !== undefined && p.node.name === options.notNode)
        throw new NotYet(`${p.node.name} is still primary`);
      if (options.minTerm !== undefined && termOf(p.hello) < options.minTerm)
        throw new NotYet(`primary of an old term`);
      return p;
    },
    wakeOnLine: setProgress(set, rt),
    pollMs: 250,
    onTimeout: (last) =>
      new StartupTimeoutError(
        `Replica set ${set.name} has no writable primary${options.notNode ? ` other than ${options.notNode}` : ''} after ${deadline.timeoutMs}ms`,
        { waitingFor: `a primary of ${set.name}`, timeoutMs: deadline.timeoutMs, cause: last },
      ),
  });
}

/** Waits until `node` reports itself PRIMARY, SECONDARY or ARBITER; returns the state. */
export async function waitMemberHealthy(
  rt: ClusterRuntime,
  set: ReplicaSetLayout,
  node: NodeLayout,
  deadline: Deadline,
): Promise<MemberStateName> {
  let last: MemberStateName | undefined;
  return rt.watch.waitUntil({
    what: `${node.name} to be PRIMARY, SECONDARY or ARBITER in ${set.name}`,
    deadline,
    check: async () => {
      last = await memberState(rt, node, deadline);
      if (HEALTHY_STATES.has(last)) return last;
      throw new NotYet(`${node.name} is ${last}`);
    },
    wakeOnLine: setProgress(set, rt),
    pollMs: 250,
    onTimeout: (reason) =>
      timeout(
        `Member ${node.name} (${node.address}) of ${set.name} not healthy after ${deadline.timeoutMs}ms${last ? ` (state ${last})` : ''}`,
        node,
        deadline,
        reason,
      ),
  });
}

/** Waits until every member of a set is PRIMARY, SECONDARY or ARBITER. */
export async function waitSetHealthy(
  rt: ClusterRuntime,
  set: ReplicaSetLayout,
  deadline: Deadline,
): Promise<Record<string, MemberStateName>> {
  const members = membersOf(rt.layout(), set);
  const states = await Promise.all(members.map((n) => waitMemberHealthy(rt, set, n, deadline)));
  return Object.fromEntries(members.map((n, i) => [n.name, states[i]]));
}

function timeout(subject: string, node: NodeLayout, deadline: Deadline, cause: unknown): StartupTimeoutError {
  const first = subject.includes(' after ') ? subject : `${subject} within ${deadline.timeoutMs}ms`;
  return new StartupTimeoutError(first, {
    ...nodeEvidence(node),
    waitingFor: subject,
    timeoutMs: deadline.timeoutMs,
    ...(cause !== undefined ? { cause } : {}),
  });
}
