// A process that owns a cluster, for tests that need another process: bundled by the test and run
// with an IPC channel. argv[2] is JSON `{ binDir, tmpDir, shape, env?, supervisor?, exitAfterReady? }`. It
// sends every cluster event, then `{ type: 'started', clusterDir, stateFile }`, and waits (for a
// SIGKILL, or a `{ type: 'stop' }` message after which it stops the cluster and exits).

import { cluster, type SupervisorOption } from '../../../src/index.js';

interface Args {
  /** The simulator's binDir (a bundle cannot find it relative to itself). */
  readonly binDir: string;
  readonly tmpDir: string;
  readonly shape: 'standalone' | 'replicaSet1' | 'replicaSet3';
  readonly env?: Record<string, string>;
  readonly supervisor?: SupervisorOption;
  readonly reaper?: boolean;
  /** Exit (without stopping) right after the boot: a daemon-supervised cluster outlives its owner. */
  readonly exitAfterReady?: boolean;
}

const args = JSON.parse(process.argv[2]) as Args;
const send = (m: unknown) => process.send?.(m);
const base = cluster().binDir(args.binDir);
const spec =
  args.shape === 'standalone' ? base : args.shape === 'replicaSet1' ? base.replicaSet(1) : base.replicaSet(3);
const c = await spec.start({
  tmpDir: args.tmpDir,
  ...(args.env ? { env: args.env } : {}),
  ...(args.supervisor ? { supervisor: args.supervisor } : {}),
  ...(args.reaper !== undefined ? { reaper: args.reaper } : {}),
  onEvent: (e) => send(e),
});
send({ type: 'started', clusterDir: c.clusterDir, stateFile: c.stateFile, uri: c.uri });
if (args.exitAfterReady) {
  process.disconnect?.();
  process.exit(0);
}
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'stop') {
    void c.stop().then(() => {
      send({ type: 'stoppedByOwner' });
      process.exit(0);
    });
  }
});
