// What most commands share: the state directory (`--home`, else $MONGO_TOPOLOGY_HOME, else
// ~/.mongo-topology), finding a cluster by name (or the only one), and attaching to it.

import { randomBytes } from 'node:crypto';
import { Option, type Command } from '@commander-js/extra-typings';
import { clusterHome, findCluster, listClusters, type HomeCluster } from '../cluster/home.js';
import type { AttachedCluster } from '../index.js';
import { library } from './library.js';
import { CliError, UsageError } from './errors.js';

/** `--home <dir>`, for every command that uses the state directory. */
export function addHomeOption<C extends Command<any, any, any>>(cmd: C): C {
  cmd.addOption(
    new Option('--home <dir>', 'state directory of named clusters')
      .env('MONGO_TOPOLOGY_HOME')
      .default(undefined, '~/.mongo-topology'),
  );
  return cmd;
}

/** The state directory for `--home`. */
export function homeOf(opts: object): string {
  const home = (opts as { readonly home?: string }).home;
  return clusterHome(home !== undefined ? { home } : {});
}

/** A fresh cluster name: `mt-` and 6 hex digits. */
export function generatedName(): string {
  return `mt-${randomBytes(3).toString('hex')}`;
}

/** The cluster called `name`, or the only cluster of the state directory when no name is given. */
export function pickCluster(home: string, name: string | undefined): HomeCluster {
  if (name !== undefined) {
    let c: HomeCluster | undefined;
    try {
      c = findCluster(home, name);
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n').join(' '));
    }
    if (!c) {
      const names = listClusters(home).map((x) => x.name);
      throw new CliError(
        `No cluster named "${name}" in ${home}`,
        names.length > 0 ? `clusters there: ${names.join(', ')}` : 'start one with `mongo-topology up -d`',
      );
    }
    return c;
  }
  const all = listClusters(home);
  const live = all.filter((c) => c.alive);
  if (live.length === 1) return live[0];
  if (all.length === 1) return all[0];
  if (all.length === 0) throw new CliError(`No clusters in ${home}`, 'start one with `mongo-topology up -d`');
  throw new UsageError(
    `${live.length > 1 ? live.length : all.length} clusters in ${home}: name one`,
    `clusters: ${(live.length > 1 ? live : all).map((c) => c.name).join(', ')}`,
  );
}

/** Attaches to a running cluster of the state directory. */
export async function attachTo(home: string, name: string | undefined): Promise<AttachedCluster> {
  const c = pickCluster(home, name);
  if (!c.alive) {
    throw new CliError(
      `Cluster ${c.name} is ${c.status}${c.problem ? ` (${c.problem})` : ''}`,
      c.status === 'stopped'
        ? 'its data was kept; `mongo-topology prune` removes it'
        : '`mongo-topology prune` removes what is left of it',
    );
  }
  const { attach } = await library();
  return attach(c.clusterDir);
}
