// The commands about clusters in the state directory: `ls`, `status`, `env`, `down` and `prune`.

import { Command } from '@commander-js/extra-typings';
import { pollUntil } from '../../common/async.js';
import {
  listClusters,
  pruneClusters,
  removeClusterEntry,
  removeDeadCluster,
  type HomeCluster,
} from '../../cluster/home.js';
import { library } from '../library.js';
import { addHomeOption, attachTo, homeOf, pickCluster } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { clusterStatus, statusTable } from '../describe-cluster.js';
import { out, outJson, paint, say, shellQuote, table } from '../output.js';
import { integer } from '../topology-options.js';

function summary(c: HomeCluster): Record<string, unknown> {
  return {
    name: c.name,
    status: c.status,
    alive: c.alive,
    clusterDir: c.clusterDir,
    ...(c.state
      ? {
          kind: c.state.layout.kind,
          version: c.state.layout.serverVersion,
          uri: c.state.uri,
          nodes: c.state.nodes.length,
          supervisor: c.state.supervisor.mode,
          stateFile: `${c.clusterDir}/cluster.json`,
        }
      : {}),
    ...(c.problem ? { problem: c.problem } : {}),
  };
}

/** Stops one cluster of the state directory, whoever runs it; says what was done. */
async function down(c: HomeCluster, timeoutMs: number | undefined): Promise<string> {
  if (!c.alive) {
    await removeDeadCluster(c);
    return 'pruned';
  }
  const s = c.state;
  if (!s) throw new CliError(`Cluster ${c.name} is still booting`, 'wait for it, or interrupt its `up` with Ctrl-C');
  const ownerAlive = (() => {
    try {
      process.kill(s.owner.pid, 0);
      return s.owner.pid !== process.pid;
    } catch {
      return false;
    }
  })();
  if (ownerAlive) {
    // A foreground `up` or an `exec` runs it: ask that process to stop it, as Ctrl-C would.
    process.kill(s.owner.pid, 'SIGTERM');
    await pollUntil(() => !listClusters(homeOfCluster(c)).some((x) => x.name === c.name && x.alive), {
      what: `process ${s.owner.pid} to stop cluster ${c.name}`,
      timeoutMs: (timeoutMs ?? s.layout.definition.timeouts.stopMs) + 30_000,
      intervalMs: 100,
    });
    return 'stopped by its owner';
  }
  const { attach } = await library();
  const a = await attach(c.clusterDir);
  await a.stop(timeoutMs !== undefined ? { timeoutMs } : {});
  removeClusterEntry(c, { keepData: s.keep });
  return s.keep ? 'stopped (data kept)' : 'stopped';
}

/** The state directory an entry lives in (`<home>/clusters/<name>`). */
function homeOfCluster(c: HomeCluster): string {
  return c.entry.replace(/\/clusters\/[^/]+$/, '');
}

export function register(program: Command): void {
  const ls = program
    .command('ls')
    .alias('list')
    .description('list the clusters of the state directory')
    .option('--json', 'as JSON');
  addHomeOption(ls).action((opts) => {
    const all = listClusters(homeOf(opts));
    if (opts.json) {
      outJson(all.map(summary));
      return;
    }
    if (all.length === 0) {
      say(`no clusters in ${homeOf(opts)}`);
      return;
    }
    out(
      table(
        ['NAME', 'STATUS', 'KIND', 'NODES', 'SUPERVISOR', 'URI'],
        all.map((c) => [
          c.name,
          c.status,
          c.state?.layout.kind ?? '-',
          String(c.state?.nodes.length ?? '-'),
          c.state?.supervisor.mode ?? '-',
          c.state?.uri ?? '-',
        ]),
      ),
    );
  });

  const status = program
    .command('status')
    .description('show the nodes of a cluster: process state, pid, uptime, restarts, member state')
    .argument('[name]', 'cluster name (default: the only one)')
    .option('--json', 'as JSON');
  addHomeOption(status).action(async (name, opts) => {
    await using c = await attachTo(homeOf(opts), name);
    const s = await clusterStatus(c);
    if (opts.json) {
      outJson(s);
      return;
    }
    out(`${paint('bold', s.name, process.stdout)}  ${s.kind}  MongoDB ${s.version}  ${s.uri}`);
    out(statusTable(s));
  });

  const env = program
    .command('env')
    .description('print a cluster\'s environment as shell export lines: eval "$(mongo-topology env dev)"')
    .argument('[name]', 'cluster name (default: the only one)')
    .option('--json', 'as a JSON object');
  addHomeOption(env).action((name, opts) => {
    const c = pickCluster(homeOf(opts), name);
    if (!c.alive || !c.state) {
      throw new CliError(`Cluster ${c.name} is ${c.status}`, '`mongo-topology ls` shows what runs');
    }
    const vars = {
      MONGODB_URI: c.state.uri,
      MONGO_TOPOLOGY_STATE_FILE: `${c.clusterDir}/cluster.json`,
      MONGO_TOPOLOGY_CLUSTER: c.name,
    };
    if (opts.json) outJson(vars);
    else for (const [k, v] of Object.entries(vars)) out(`export ${k}=${shellQuote(v)}`);
  });

  const downCmd = program
    .command('down')
    .description('stop a cluster and remove its state (data too, unless it was started with --keep-data)')
    .argument('[name]', 'cluster name (default: the only one)')
    .option('--all', 'every cluster of the state directory')
    .option('--timeout-ms <ms>', 'per process: clean shutdown deadline before SIGKILL', integer(1))
    .option('--json', 'as JSON');
  addHomeOption(downCmd).action(async (name, opts) => {
    const home = homeOf(opts);
    if (opts.all && name !== undefined) throw new UsageError('give a cluster name or --all, not both');
    const targets = opts.all ? listClusters(home) : [pickCluster(home, name)];
    const results: { name: string; result: string }[] = [];
    let failed: Error | undefined;
    for (const c of targets) {
      try {
        results.push({ name: c.name, result: await down(c, opts.timeoutMs) });
      } catch (e) {
        failed ??= e instanceof Error ? e : new Error(String(e));
        results.push({ name: c.name, result: `failed: ${(e as Error).message.split('\n')[0]}` });
      }
    }
    if (opts.json) outJson(results);
    else for (const r of results) out(`${r.name}\t${r.result}`);
    if (failed) throw failed;
  });

  const prune = program
    .command('prune')
    .description('remove what is left of clusters that are gone (their supervisor died), and kept data of stopped ones')
    .option('--json', 'as JSON');
  addHomeOption(prune).action(async (opts) => {
    const pruned = await pruneClusters(homeOf(opts));
    if (opts.json) {
      outJson(pruned);
      return;
    }
    if (pruned.length === 0) say('nothing to prune');
    for (const p of pruned) {
      out(p.name);
      if (p.killedPids.length > 0) say(`  stopped leftover processes of ${p.name}: ${p.killedPids.join(', ')}`);
    }
  });
}
