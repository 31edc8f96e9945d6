// Where a test runner's global setup gets its topology: a spec, a config object, the path of a
// config file, or (nothing given) the `mongo-topology.config.*` in the project root. Start options
// given in code win over those of the config file.

import { startCluster, type StartOptions } from '../../cluster/start.js';
import type { StartedCluster } from '../../cluster/started-cluster.js';
import { TopologyConfigError } from '../../errors.js';
import { TopologySpec } from '../../topology/builder.js';
import { CONFIG_BASENAME, CONFIG_EXTENSIONS, loadConfigFile } from '../config/load.js';
import { configToSpec } from '../config/to-spec.js';
import type { ConfigStartOptions, MongoTopologyConfig } from '../config/types.js';

/** A topology for a global setup: a spec from `cluster()`, a config object, or a config file's path. */
export type TopologySource = TopologySpec | MongoTopologyConfig | string;

/** How to find and load a config file. */
export interface SourceContext {
  /** The project root: config files are looked for here and relative paths resolve against it. */
  readonly cwd: string;
  /** Loads a TypeScript/JavaScript config module (vitest's module runner); default: Node's `import()`. */
  readonly importModule?: (file: string) => Promise<unknown>;
  /** Who asks, for error messages: `setupTopology()`, `jest globalSetup`. */
  readonly caller: string;
}

/** The spec and start options a source stands for. */
export async function resolveSource(
  source: TopologySource | undefined,
  ctx: SourceContext,
): Promise<{ spec: TopologySpec; start: ConfigStartOptions; file?: string }> {
  const base = new TopologySpec();
  if (source === undefined || typeof source === 'string') {
    const loaded = await loadConfigFile(base, {
      cwd: ctx.cwd,
      ...(source !== undefined ? { file: source } : {}),
      ...(ctx.importModule ? { importModule: ctx.importModule } : {}),
    });
    if (!loaded) {
      throw new TopologyConfigError(
        `${ctx.caller} was given no topology and found no config file (${CONFIG_BASENAME}{${CONFIG_EXTENSIONS.join(',')}}) in ${ctx.cwd}: pass a spec such as cluster().replicaSet(3), or add a config file`,
      );
    }
    return loaded;
  }
  return configToSpec(source, base, { dir: ctx.cwd, source: `the topology given to ${ctx.caller}` });
}

/** Resolves the source and starts it; explicit start options win over the config file's. */
export async function startFromSource(
  source: TopologySource | undefined,
  options: StartOptions,
  ctx: SourceContext,
): Promise<StartedCluster> {
  const { spec, start } = await resolveSource(source, ctx);
  return startCluster(spec, { ...start, ...definedOnly(options) });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
