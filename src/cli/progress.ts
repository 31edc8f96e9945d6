// Boot progress on stderr, drawn from the cluster's typed events with listr2: a task tree with
// spinners when stderr is a terminal (even when stdout is a pipe, as in `URI=$(mongo-topology up -d)`),
// one plain line per finished step otherwise. listr2 renders to stdout by design, so its output is
// routed: its "stdout" is our stderr, and stdout is only held (buffered) while it draws.
//
// Each task waits for the event that ends its step. Which events come is known from the spec (how
// many replica sets and shards) and from `planned` (the nodes). When the boot fails, every waiting
// task fails with the boot's error; when it succeeds, anything still waiting is finished, so the
// progress can never hold up the command.

import { DefaultRenderer, Listr, ListrLogger, ProcessOutput, type ListrTask, type ListrTaskWrapper } from 'listr2';
import type { BinaryEvent, ClusterEvent, ClusterEventOf, ClusterSpec } from '../index.js';

/** The default (spinner) renderer, allowed on a terminal stderr whatever stdout is. */
class StderrTreeRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

class Step<T> {
  readonly promise: Promise<T>;
  resolve!: (v: T) => void;
  reject!: (e: unknown) => void;
  settled = false;
  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = (v) => {
        this.settled = true;
        res(v);
      };
      this.reject = (e) => {
        this.settled = true;
        rej(e);
      };
    });
    // Steps nobody reached are not unhandled rejections.
    this.promise.catch(() => undefined);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function binaryOutput(e: BinaryEvent): string | undefined {
  switch (e.type) {
    case 'version-resolved':
      return `MongoDB ${e.version} for ${e.target} ${e.arch}`;
    case 'cache-hit':
      return `cached in ${e.dir}`;
    case 'lock-waiting':
      return `waiting for another process downloading (${e.lockPath})`;
    case 'download-started':
      return `downloading ${e.url}`;
    case 'download-progress':
      return e.totalBytes
        ? `downloaded ${mib(e.receivedBytes)} of ${mib(e.totalBytes)} (${Math.floor((100 * e.receivedBytes) / e.totalBytes)}%)`
        : `downloaded ${mib(e.receivedBytes)}`;
    case 'download-retry':
      return `retrying (${e.reason})`;
    case 'verified':
      return `sha256 verified`;
    case 'attempt-skipped':
      return `skipped ${e.source} ${e.location}: ${e.reason}`;
    default:
      return undefined;
  }
}

/** How a command shows progress. */
export interface ProgressOptions {
  /** Show nothing. */
  readonly quiet?: boolean;
  /** Spinner tree (true) or plain lines (false). @default stderr is a terminal */
  readonly tty?: boolean;
}

/** Renders a boot's events as a task tree. Pass `onEvent` to `start()`, then `run(start)`. */
export class BootProgress {
  readonly #binaries = new Step<ClusterEventOf<'binaryResolved'>>();
  readonly #planned = new Step<ClusterEventOf<'planned'>>();
  readonly #supervisor = new Step<ClusterEventOf<'supervisorStarted'>>();
  readonly #nodes = new Map<string, Step<ClusterEventOf<'nodeReady'>>>();
  readonly #sets = new Step<void>();
  readonly #shards = new Step<void>();
  readonly #ready = new Step<ClusterEventOf<'clusterReady'>>();
  readonly #setsExpected: number;
  readonly #shardsExpected: number;
  #setsReady = 0;
  #shardsAdded = 0;
  #binaryTask: ListrTaskWrapper<unknown, any, any> | undefined;
  #setsTask: ListrTaskWrapper<unknown, any, any> | undefined;
  #shardsTask: ListrTaskWrapper<unknown, any, any> | undefined;
  #lastBinaryOutput = 0;

  constructor(
    spec: ClusterSpec,
    private readonly options: ProgressOptions = {},
  ) {
    const def = spec.definition;
    this.#shardsExpected = def.shards?.length ?? 0;
    this.#setsExpected = def.shards ? def.shards.length + 1 : def.replicaSet ? 1 : 0;
  }

  #node(name: string): Step<ClusterEventOf<'nodeReady'>> {
    let s = this.#nodes.get(name);
    if (!s) this.#nodes.set(name, (s = new Step()));
    return s;
  }

  /** The `onEvent` to give `start()`. */
  readonly onEvent = (e: ClusterEvent): void => {
    switch (e.type) {
      case 'binaryProgress': {
        const text = binaryOutput(e.event);
        // Download progress comes often; a few updates a second are enough.
        if (
          text &&
          this.#binaryTask &&
          (e.event.type !== 'download-progress' || e.time - this.#lastBinaryOutput > 250)
        ) {
          this.#lastBinaryOutput = e.time;
          this.#binaryTask.output = text;
        }
        break;
      }
      case 'binaryResolved':
        this.#binaries.resolve(e);
        break;
      case 'planned':
        for (const n of e.nodes) this.#node(n.name);
        this.#planned.resolve(e);
        break;
      case 'supervisorStarted':
        this.#supervisor.resolve(e);
        break;
      case 'nodeReady':
        this.#node(e.node).resolve(e);
        break;
      case 'portReassigned':
        if (this.#binaryTask) this.#binaryTask.output = `${e.node}: port ${e.fromPort} taken, moved to ${e.toPort}`;
        break;
      case 'primaryElected':
        if (this.#setsTask) this.#setsTask.output = `${e.replicaSet}: ${e.node} is primary (${seconds(e.elapsedMs)})`;
        break;
      case 'replicaSetReady':
        this.#setsReady++;
        if (this.#setsTask) this.#setsTask.title = this.#setsTitle();
        if (this.#setsReady >= this.#setsExpected) this.#sets.resolve();
        break;
      case 'shardAdded':
        this.#shardsAdded++;
        if (this.#shardsTask) {
          this.#shardsTask.title = this.#shardsTitle();
          this.#shardsTask.output = `${e.shard}: ${e.connectionString}`;
        }
        if (this.#shardsAdded >= this.#shardsExpected) this.#shards.resolve();
        break;
      case 'clusterReady':
        this.#ready.resolve(e);
        break;
      default:
        break;
    }
  };

  #setsTitle(): string {
    return `Replica sets ready (${this.#setsReady}/${this.#setsExpected})`;
  }

  #shardsTitle(): string {
    return `Shards added (${this.#shardsAdded}/${this.#shardsExpected})`;
  }

  #all(): Step<unknown>[] {
    return [
      this.#binaries,
      this.#planned,
      this.#supervisor,
      ...this.#nodes.values(),
      this.#sets,
      this.#shards,
      this.#ready,
    ] as Step<unknown>[];
  }

  #tasks(): ListrTask<unknown, any, any>[] {
    const tasks: ListrTask<unknown, any, any>[] = [
      {
        title: 'Resolve MongoDB binaries',
        task: async (_ctx, task) => {
          this.#binaryTask = task;
          const e = await this.#binaries.promise;
          task.title = `MongoDB ${e.mongod.version} from ${e.source} (${e.mongod.path})`;
        },
      },
      {
        title: 'Write the cluster directory',
        task: async (_ctx, task) => {
          const e = await this.#planned.promise;
          task.title = `${e.nodes.length} node${e.nodes.length === 1 ? '' : 's'} planned in ${e.clusterDir}`;
        },
      },
      {
        title: 'Start the supervisor',
        task: async (_ctx, task) => {
          const e = await this.#supervisor.promise;
          task.title = `Supervisor ${e.mode === 'daemon' ? `daemon (pid ${e.pid})` : 'in this process'} at ${e.url}`;
        },
      },
      {
        title: 'Start the nodes',
        task: async (_ctx, task) => {
          const planned = await this.#planned.promise;
          return task.newListr(
            planned.nodes.map((n) => ({
              title: `${n.name} ${n.address}`,
              task: async (_c: unknown, sub: ListrTaskWrapper<unknown, any, any>) => {
                const r = await this.#node(n.name).promise;
                sub.title = `${n.name} listening on ${r.address} (pid ${r.pid}, ${seconds(r.elapsedMs)})`;
              },
            })),
            { concurrent: true, exitOnError: true },
          );
        },
      },
    ];
    if (this.#setsExpected > 0) {
      tasks.push({
        title: this.#setsTitle(),
        task: async (_ctx, task) => {
          this.#setsTask = task;
          task.title = this.#setsTitle();
          await this.#sets.promise;
        },
      });
    }
    if (this.#shardsExpected > 0) {
      tasks.push({
        title: this.#shardsTitle(),
        task: async (_ctx, task) => {
          this.#shardsTask = task;
          task.title = this.#shardsTitle();
          await this.#shards.promise;
        },
      });
    }
    tasks.push({
      title: 'Check a majority write',
      task: async (_ctx, task) => {
        const e = await this.#ready.promise;
        task.title = `Ready in ${seconds(e.elapsedMs)}`;
      },
    });
    return tasks;
  }

  /** Runs `boot` with the progress shown; resolves or rejects as `boot` does. */
  async run<T>(boot: () => Promise<T>): Promise<T> {
    if (this.options.quiet) return boot();
    const tty = this.options.tty ?? process.stderr.isTTY === true;
    // listr2's "stdout" is our stderr (see the module notes).
    const logger = new ListrLogger({
      useIcons: true,
      processOutput: new ProcessOutput(process.stderr, process.stdout),
    });
    const listr = new Listr<unknown, typeof StderrTreeRenderer, 'simple'>(this.#tasks(), {
      renderer: StderrTreeRenderer,
      rendererOptions: { logger, collapseSubtasks: false, showErrorMessage: false },
      fallbackRenderer: 'simple',
      fallbackRendererOptions: { logger },
      fallbackRendererCondition: !tty,
      registerSignalListeners: false,
      exitOnError: true,
    });
    const shown = listr.run().catch(() => undefined);
    try {
      const result = await boot();
      for (const s of this.#all()) if (!s.settled) s.resolve(undefined);
      await shown;
      return result;
    } catch (e) {
      // The tree marks where it failed; the command prints the whole error once, after it.
      const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      const short = new Error(first.length > 100 ? `${first.slice(0, 99)}…` : first);
      for (const s of this.#all()) if (!s.settled) s.reject(short);
      await shown;
      throw e;
    }
  }
}
