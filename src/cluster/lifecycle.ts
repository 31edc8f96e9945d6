// Turns the supervisor's process events into the cluster's `nodeExited` and `nodeRestarted` events
// and reports new pids (the owner keeps cluster.json and the reaper up to date with them). A restart
// is a spawn that follows an exit or a failed start, not an administrative start.

import createDebug from 'debug';
import type { ClusterRuntime } from './runtime.js';

const debug = createDebug('mongo-topology:cluster');

/** Follows the cluster's processes until the returned function is called. */
export function followLifecycle(rt: ClusterRuntime, onPid?: (node: string, pid: number) => void): () => void {
  const byNamespec = () => new Map(rt.layout().nodes.map((n) => [n.namespec, n.name]));
  let names = byNamespec();
  const lastPid = new Map<string, number>();
  /** Nodes whose process ended on its own, with the pid that ended: the next READY is a restart. */
  const died = new Map<string, number>();
  return rt.watch.onEvent((e) => {
    if (!('name' in e)) return;
    let node = names.get(e.name);
    if (node === undefined) {
      names = byNamespec();
      node = names.get(e.name);
      if (node === undefined) return;
    }
    switch (e.type) {
      case 'PROCESS_STATE_EXITED':
        lastPid.set(node, e.pid);
        // Only an unexpected exit is restarted by the supervisor; a start after an expected one is the user's.
        if (!e.expected) died.set(node, e.pid);
        rt.events.emit({
          type: 'nodeExited',
          node,
          pid: e.pid,
          expected: e.expected,
          exitStatus: e.exitStatus ?? null,
        });
        break;
      case 'PROCESS_STATE_BACKOFF':
        // Ended within startsecs of its start: a failed start, which the supervisor retries.
        if (e.fromState === 'STARTING') {
          died.set(node, lastPid.get(node) ?? 0);
          rt.events.emit({
            type: 'nodeExited',
            node,
            pid: lastPid.get(node) ?? 0,
            expected: false,
            exitStatus: e.exitStatus ?? null,
          });
        }
        break;
      case 'PROCESS_STATE_RUNNING':
        lastPid.set(node, e.pid);
        break;
      case 'PROCESS_STATE_STOPPED':
        // An administrative stop: a later start is not a restart.
        lastPid.set(node, e.pid);
        died.delete(node);
        onPid?.(node, 0);
        break;
      case 'PROCESS_READY': {
        onPid?.(node, e.pid);
        lastPid.set(node, e.pid);
        const previousPid = died.get(node);
        if (previousPid === undefined) break;
        died.delete(node);
        rt.events.emit({
          type: 'nodeRestarted',
          node,
          pid: e.pid,
          ...(previousPid > 0 ? { previousPid } : {}),
        });
        break;
      }
      default:
        debug('%s %s', e.type, e.name);
    }
  });
}

/**
 * Passes every server log line through `debug`, under `mongo-topology:member:<node>` (style-guide.md
 * §8 rule 16), when one of those namespaces is enabled (`DEBUG=mongo-topology:member:*`). Returns the
 * function that stops it.
 */
export function passThroughServerLogs(rt: ClusterRuntime): () => void {
  const loggers = new Map(
    rt.layout().nodes.map((n) => [n.namespec, createDebug(`mongo-topology:member:${n.name}`)] as const),
  );
  if (![...loggers.values()].some((d) => d.enabled)) return () => undefined;
  return rt.watch.onLine((l) => {
    const d = loggers.get(l.name);
    if (d?.enabled) d('%s', l.text);
  });
}
