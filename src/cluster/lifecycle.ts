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
  const pendingRestart = new Set<string>();
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
        rt.events.emit({ type: 'nodeExited', node, pid: e.pid, expected: e.expected });
        break;
      case 'PROCESS_STATE_STOPPED':
        lastPid.set(node, e.pid);
        onPid?.(node, 0);
        break;
      case 'PROCESS_STATE_STARTING':
        if (e.fromState === 'EXITED' || e.fromState === 'BACKOFF') pendingRestart.add(node);
        break;
      case 'PROCESS_READY': {
        onPid?.(node, e.pid);
        if (pendingRestart.delete(node)) {
          const previousPid = lastPid.get(node);
          rt.events.emit({
            type: 'nodeRestarted',
            node,
            pid: e.pid,
            ...(previousPid !== undefined ? { previousPid } : {}),
          });
        }
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
