// Booting a named cluster for `up` and `exec`: flags to a spec, the name reserved in the state
// directory, the boot with progress on stderr, aborted by Ctrl-C (which tears down what started and
// gives the name back), and the name released again when the boot fails.

import type { ClusterReservation, ClusterSpec, StartedCluster, SupervisorOption } from '../index.js';
import { reserveCluster } from '../cluster/home.js';
import { library } from './library.js';
import { generatedName, homeOf } from './context.js';
import { reportError } from './errors.js';
import { BootProgress } from './progress.js';
import type { SignalTrap } from './signals.js';
import { specFromFlags, type TopologyFlags } from './topology-options.js';
import { EXIT } from './exit-codes.js';

/** Why a boot command exits before it could boot: the exit code has been decided. */
export class ExitWith extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** Flags to a spec; a bad flag or config file is a usage error (reported here, exit 2). */
export async function specOrExit(flags: TopologyFlags): Promise<ClusterSpec> {
  const { cluster, CLI_SUPERVISION } = await library();
  try {
    const spec = specFromFlags(flags, cluster().supervision(CLI_SUPERVISION));
    return flags.name !== undefined || spec.definition.name !== 'cluster' ? spec : spec.name(generatedName());
  } catch (e) {
    throw new ExitWith(reportError(e, { usagePhase: true }));
  }
}

/** A booted cluster and its name in the state directory. */
export interface Booted {
  readonly cluster: StartedCluster;
  readonly reservation: ClusterReservation;
}

/** Reserves the name and boots; on failure everything is gone again (the cluster and the name). */
export async function bootNamed(
  spec: ClusterSpec,
  opts: { readonly home?: string; readonly quiet?: boolean },
  supervisor: SupervisorOption,
  trap: SignalTrap,
): Promise<Booted> {
  const def = spec.definition;
  let reservation: ClusterReservation;
  try {
    reservation = reserveCluster(homeOf(opts), def.name, def.dataDir !== undefined ? { dataDir: def.dataDir } : {});
  } catch (e) {
    // A taken name is a conflict with the state directory, not a bad flag: exit 1.
    throw new ExitWith(reportError(e));
  }
  const progress = new BootProgress(spec, { quiet: opts.quiet === true });
  try {
    const cluster = await progress.run(() =>
      spec.start({
        clusterDir: reservation.clusterDir,
        supervisor,
        onEvent: progress.onEvent,
        signal: trap.signal,
      }),
    );
    return { cluster, reservation };
  } catch (e) {
    // A failed boot with --keep-data keeps its files for the post-mortem (listed as stopped, pruned later).
    reservation.release({ keepData: def.keepData });
    throw e;
  }
}

/** Stops a cluster this process booted and gives its name back; returns the problems as an exit code. */
export async function teardown(b: Booted): Promise<number> {
  const kept = b.cluster.keepsData;
  try {
    await b.cluster.stop();
    return EXIT.ok;
  } catch (e) {
    return reportError(e);
  } finally {
    b.reservation.release({ keepData: kept });
  }
}
