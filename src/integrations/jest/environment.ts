// `mongo-topology/jest-environment`: a jest test environment (jest-environment-node's, extended)
// that hands the cluster of the global setup to every test file: `process.env.MONGO_URI` and
// `MONGODB_URI`, `globalThis.__MONGO_URI__` (the name @shelf/jest-mongodb uses), and
// `globalThis.__MONGO_TOPOLOGY__` with the URI, nodes, a database name of the file's own and
// `attach()` for node handles and fault hooks. `attach()` runs in the environment's realm, so
// test files need not import mongo-topology (an ESM package that jest's module loader can only
// `require` on Node 24.9+ or with --experimental-vm-modules). Teardown detaches whatever the file
// attached and drops the file's database if the file used its name.

import { TestEnvironment } from 'jest-environment-node';
import { MongoClient } from 'mongodb';
import { attach, type AttachedCluster, type AttachOptions } from '../../cluster/attach.js';
import { settleAll } from '../../common/async.js';
import { TopologyConfigError } from '../../errors.js';
import { databaseName } from '../shared/database-name.js';
import { STATE_FILE_ENV, URI_ENVS } from '../shared/env.js';
import { providedTopology, type ProvidedTopology } from '../shared/provided.js';

/** `globalThis.__MONGO_TOPOLOGY__` in a test file. */
export interface JestTopologyGlobal extends ProvidedTopology {
  /** A database name of this test file's own (from its path and `JEST_WORKER_ID`); dropped after the file once read. */
  readonly databaseName: string;
  /** Attaches to the cluster for node handles and fault hooks; detached after the file. */
  attach(options?: AttachOptions): Promise<AttachedCluster>;
}

/** Options under `testEnvironmentOptions.mongoTopology`. */
export interface JestEnvironmentOptions {
  /** The cluster.json to use. @default `$MONGO_TOPOLOGY_STATE_FILE`, set by the global setup */
  readonly stateFile?: string;
  /** Keep each file's database after the file. @default false */
  readonly keepDatabase?: boolean;
  /** Starts the file's database name. @default 't_' */
  readonly databasePrefix?: string;
}

declare global {
  /** The cluster of mongo-topology's jest global setup (set by `mongo-topology/jest-environment`). */
  var __MONGO_TOPOLOGY__: JestTopologyGlobal;
  /** Its URI (the name @shelf/jest-mongodb uses). */
  var __MONGO_URI__: string;
}

type EnvironmentArgs = ConstructorParameters<typeof TestEnvironment>;

/**
 * The jest test environment: `testEnvironment: 'mongo-topology/jest-environment'` (or a
 * `@jest-environment mongo-topology/jest-environment` docblock), with
 * `globalSetup: 'mongo-topology/jest-global-setup'` and
 * `globalTeardown: 'mongo-topology/jest-global-teardown'`.
 *
 * @throws TopologyConfigError from `setup()` when no global setup provided a cluster.
 */
export default class MongoTopologyEnvironment extends TestEnvironment {
  readonly #testPath: string;
  readonly #rootDir: string;
  readonly #options: JestEnvironmentOptions;
  readonly #attached = new Set<AttachedCluster>();
  #provided: ProvidedTopology | undefined;
  #databaseUsed: string | undefined;

  constructor(config: EnvironmentArgs[0], context: EnvironmentArgs[1]) {
    super(config, context);
    this.#testPath = context.testPath;
    this.#rootDir = config.projectConfig.rootDir;
    const opts = config.projectConfig.testEnvironmentOptions?.mongoTopology;
    this.#options = typeof opts === 'object' && opts !== null ? opts : {};
  }

  override async setup(): Promise<void> {
    await super.setup();
    const stateFile = this.#options.stateFile ?? process.env[STATE_FILE_ENV];
    if (!stateFile) {
      throw new TopologyConfigError(
        `mongo-topology/jest-environment found no cluster for ${this.#testPath}: add globalSetup: 'mongo-topology/jest-global-setup' and globalTeardown: 'mongo-topology/jest-global-teardown' to the jest config (or set testEnvironmentOptions.mongoTopology.stateFile)`,
      );
    }
    const provided = providedTopology(stateFile);
    this.#provided = provided;
    const env = this.global.process.env;
    env[STATE_FILE_ENV] = provided.stateFile;
    for (const name of URI_ENVS) env[name] = provided.uri;
    const name = databaseName(this.#testPath, {
      root: this.#rootDir,
      ...(this.#options.databasePrefix !== undefined ? { prefix: this.#options.databasePrefix } : {}),
    });
    const attached = this.#attached;
    const markUsed = () => {
      this.#databaseUsed = name;
    };
    const api: JestTopologyGlobal = Object.freeze({
      ...provided,
      get databaseName() {
        markUsed();
        return name;
      },
      async attach(options: AttachOptions = {}) {
        const c = await attach(provided.stateFile, options);
        attached.add(c);
        return c;
      },
    });
    this.global.__MONGO_TOPOLOGY__ = api;
    this.global.__MONGO_URI__ = provided.uri;
  }

  override async teardown(): Promise<void> {
    try {
      await settleAll(
        [
          ...[...this.#attached].map((c) => c.detach()),
          ...(this.#databaseUsed !== undefined && this.#provided && !this.#options.keepDatabase
            ? [dropDatabase(this.#provided.uri, this.#databaseUsed)]
            : []),
        ],
        `cleaning up after ${this.#testPath}`,
      );
    } finally {
      this.#attached.clear();
      await super.teardown();
    }
  }
}

async function dropDatabase(uri: string, name: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

export { MongoTopologyEnvironment, MongoTopologyEnvironment as TestEnvironment };
