// Finds and reads a `mongo-topology.config.*` file. JSON and YAML are parsed here (with line
// numbers in errors); TypeScript and JavaScript are imported, by default with Node's own `import()`
// (TypeScript therefore needs a Node that strips types, 22.18 or later), or through a loader the
// caller passes: vitest's globalSetup hands in its module runner, which compiles TypeScript on any
// Node version.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { TopologyConfigError } from '../../errors.js';
import type { TopologySpec } from '../../topology/builder.js';
import { configToSpec } from './to-spec.js';
import type { ConfigStartOptions } from './types.js';

/** The name every config file starts with. */
export const CONFIG_BASENAME = 'mongo-topology.config';
/** Extensions looked for, in this order. */
export const CONFIG_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.yaml', '.yml'] as const;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The config file (relative to `cwd`). @default `$MONGO_TOPOLOGY_CONFIG`, else `mongo-topology.config.*` in `cwd` */
  readonly file?: string;
  /** Where to look for the config file. @default process.cwd() */
  readonly cwd?: string;
  /** Environment to read `MONGO_TOPOLOGY_CONFIG` from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Loads a TypeScript or JavaScript config module and returns its namespace.
   * @default Node's `import()`
   */
  readonly importModule?: (file: string) => Promise<unknown>;
}

/** A config file, read. */
export interface LoadedConfig<S extends TopologySpec = TopologySpec> {
  /** The absolute path of the file. */
  readonly file: string;
  /** The topology it describes. */
  readonly spec: S;
  /** Its start options, paths made absolute. */
  readonly start: ConfigStartOptions;
}

/**
 * The config file in `dir`, or undefined when there is none.
 *
 * @throws TopologyConfigError when there are several (which one wins would be a guess).
 */
export function findConfigFile(dir: string): string | undefined {
  const found = CONFIG_EXTENSIONS.map((ext) => resolve(dir, CONFIG_BASENAME + ext)).filter((f) => existsSync(f));
  if (found.length > 1) {
    throw new TopologyConfigError(
      `Several mongo-topology config files in ${dir}: ${found.map((f) => basename(f)).join(', ')}. Keep one, or name one explicitly (file option or MONGO_TOPOLOGY_CONFIG).`,
    );
  }
  return found[0];
}

/**
 * Reads the config file: the one named by `file`, else by `$MONGO_TOPOLOGY_CONFIG`, else the
 * `mongo-topology.config.*` in `cwd`. Resolves undefined when none is named and none is found.
 * The spec is derived from `base`, so passing `cluster()` gives a spec that can `start()`.
 *
 * @throws TopologyConfigError when a named file does not exist, a file cannot be read or parsed, or its contents are invalid.
 */
export async function loadConfigFile<S extends TopologySpec>(
  base: S,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig<S> | undefined> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const named = options.file ?? ((options.env ?? process.env).MONGO_TOPOLOGY_CONFIG || undefined);
  let file: string | undefined;
  if (named !== undefined) {
    file = resolve(cwd, named);
    if (!existsSync(file)) {
      const via = options.file !== undefined ? '' : ' (from MONGO_TOPOLOGY_CONFIG)';
      throw new TopologyConfigError(`The mongo-topology config file ${file}${via} does not exist`);
    }
  } else {
    file = findConfigFile(cwd);
    if (file === undefined) return undefined;
  }
  const contents = await readConfig(file, options.importModule);
  const { spec, start } = configToSpec(contents, base, { dir: dirname(file), source: file });
  return { file, spec, start };
}

async function readConfig(file: string, importModule?: (file: string) => Promise<unknown>): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TopologyConfigError(`Cannot read the config file ${file}: ${(e as Error).message}`, { cause: e });
    }
    if (ext === '.json') {
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new TopologyConfigError(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
    }
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
      throw new TopologyConfigError(`${file} is not valid YAML`, {
        problems: doc.errors.map((e) => ({
          path: `${file}:${e.linePos?.[0]?.line ?? '?'}`,
          message: e.message.split('\n')[0],
        })),
      });
    }
    return doc.toJS() ?? {};
  }
  if (!['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].includes(ext)) {
    throw new TopologyConfigError(
      `Unsupported config file ${file}: use .ts, .mts, .cts, .js, .mjs, .cjs, .json, .yaml or .yml`,
    );
  }
  let mod: unknown;
  try {
    mod = importModule ? await importModule(file) : await import(pathToFileURL(file).href);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const tsUnsupported =
      ext.endsWith('ts') &&
      (code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING');
    throw new TopologyConfigError(
      tsUnsupported
        ? `Cannot load the TypeScript config file ${file}: Node ${process.versions.node} does not run TypeScript. Use Node 22.18 or later, or a .js, .mjs, .json or .yaml config.`
        : `Cannot load the config file ${file}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const ns = mod as { default?: unknown } | null;
  const value = ns !== null && typeof ns === 'object' && 'default' in ns ? ns.default : undefined;
  if (value === undefined) {
    throw new TopologyConfigError(
      `The config file ${file} has no default export: export default defineConfig({ ... }) (or a spec made with cluster())`,
    );
  }
  if (typeof value === 'function') {
    try {
      return await (value as () => unknown)();
    } catch (e) {
      throw new TopologyConfigError(`The config function of ${file} threw: ${(e as Error).message}`, { cause: e });
    }
  }
  return value;
}
