// The reaper: a small Node process that outlives the process that started a cluster just long enough
// to clean up after it. It is given the cluster directory and watches its owner through the IPC
// channel they share (the OS closes it however the owner dies, SIGKILL included) and, as a fallback,
// by polling the owner's pid. When the owner is gone without having released it, it stops every
// process that belongs to the cluster (their process groups: the supervisor daemon, the servers),
// SIGTERM first and SIGKILL after a grace period, removes the
// cluster directory (or only our entries in a directory we did not create) and the port locks, and
// exits. Released by a normal stop, it just exits.
//
// A process belongs to the cluster when its working directory is the cluster directory (every
// program runs there: `directory=` in its program file) or its arguments name the cluster's
// supervisor.ini or a config file under conf/ (servers, a daemon), or it is a pid the
// owner reported that still matches. Processes that merely mention the directory (a `tail -f` of a
// log) are left alone.
//
// Why a function turned into source text: the reaper must run as its own `node` process from the
// built package and from the TypeScript sources under test alike, and must not load the package (the
// owner may be a test runner with loaders in its execArgv). So it is written here without imports,
// typed, and started as `node -e "(<this function's source>)(require, argv)"`. Everything it uses
// must stay inside the function body.

/** What the owner tells the reaper at start and in updates. */
export interface ReaperConfig {
  readonly ownerPid: number;
  readonly clusterDir: string;
  /** `dir`: remove the whole directory; `entries`: only these names in it; `none`: keep everything. */
  readonly removal: 'dir' | 'entries' | 'none';
  readonly entries: readonly string[];
  /** proper-lockfile lock directories of the cluster's ports, removed after the processes. */
  readonly lockPaths: readonly string[];
  /** Pids the owner knows of (supervisor daemon, servers). */
  readonly pids: readonly number[];
  /** How long processes get after SIGTERM before SIGKILL. */
  readonly graceMs: number;
  /** How often the owner's pid is checked. */
  readonly pollMs: number;
}

/** Messages between owner and reaper. */
export type ReaperMessage =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'update'; readonly config: Partial<ReaperConfig> }
  | { readonly type: 'release' };

/**
 * The reaper's main function. Self-contained: it is serialized with `Function.prototype.toString`.
 * `req` is the child's CommonJS `require`; `argv[0]` is the JSON of a {@link ReaperConfig}.
 */
export function reaperMain(req: (id: string) => unknown, argv: readonly string[]): void {
  const fs = req('node:fs') as typeof import('node:fs');
  const cp = req('node:child_process') as typeof import('node:child_process');
  const pathMod = req('node:path') as typeof import('node:path');
  let cfg = JSON.parse(argv[0]) as ReaperConfig;
  let cleaning = false;
  const log = (msg: string) => {
    if (process.env.MONGO_TOPOLOGY_REAPER_LOG) {
      try {
        fs.appendFileSync(process.env.MONGO_TOPOLOGY_REAPER_LOG, `${new Date().toISOString()} ${process.pid} ${msg}\n`);
      } catch {
        // Diagnostics only.
      }
    }
  };

  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };

  interface Proc {
    pid: number;
    pgid: number;
    argv: string[];
    cwd: string;
  }

  const listProcs = (): Proc[] => {
    const out: Proc[] = [];
    let entries: string[] = [];
    try {
      entries = fs.readdirSync('/proc');
    } catch {
      entries = [];
    }
    if (entries.length > 0) {
      for (const e of entries) {
        if (!/^\d+$/.test(e)) continue;
        const pid = Number(e);
        try {
          const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
          const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (rest[0] === 'Z' || rest[0] === 'X') continue;
          const argvText = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          let cwd = '';
          try {
            cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
          } catch {
            cwd = '';
          }
          out.push({ pid, pgid: Number(rest[2]), argv: argvText.split('\0').filter(Boolean), cwd });
        } catch {
          // Gone while we looked.
        }
      }
      return out;
    }
    // No /proc (macOS, BSD): ps. The working directory is unknown there; arguments still match.
    try {
      const text = cp.execFileSync('ps', ['-axo', 'pid=,pgid=,args='], { encoding: 'utf8' });
      for (const line of text.split('\n')) {
        const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
        if (m) out.push({ pid: Number(m[1]), pgid: Number(m[2]), argv: m[3].split(' '), cwd: '' });
      }
    } catch {
      // Nothing we can list.
    }
    return out;
  };

  const belongs = (p: Proc): boolean => {
    const dir = cfg.clusterDir;
    if (p.pid === process.pid || p.pid === cfg.ownerPid) return false;
    if (p.cwd === dir) return true;
    const ini = pathMod.join(dir, 'supervisor.ini');
    const conf = pathMod.join(dir, 'conf') + pathMod.sep;
    return p.argv.some((a) => a === ini || a.startsWith(conf) || a.includes(`=${conf}`));
  };

  const targets = (): Proc[] => {
    const procs = listProcs();
    const known = new Set(cfg.pids);
    return procs.filter((p) => belongs(p) || (known.has(p.pid) && p.argv.join(' ').includes(cfg.clusterDir)));
  };

  const signalAll = (procs: readonly Proc[], sig: NodeJS.Signals) => {
    for (const p of procs) {
      for (const t of p.pgid === p.pid ? [-p.pid, p.pid] : [p.pid]) {
        try {
          process.kill(t, sig);
        } catch {
          // Gone already.
        }
      }
    }
  };

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const cleanup = async (why: string) => {
    if (cleaning) return;
    cleaning = true;
    clearInterval(poll);
    log(`owner ${cfg.ownerPid} gone (${why}); cleaning ${cfg.clusterDir}`);
    const started = Date.now();
    let procs = targets();
    signalAll(procs, 'SIGTERM');
    while (procs.some((p) => alive(p.pid)) && Date.now() - started < cfg.graceMs) await sleep(50);
    // SIGKILL what is left, and anything a dying supervisor started meanwhile, until nothing is left.
    for (let round = 0; round < 50; round++) {
      procs = targets();
      if (procs.length === 0) break;
      signalAll(procs, 'SIGKILL');
      await sleep(100);
    }
    try {
      if (cfg.removal === 'dir') fs.rmSync(cfg.clusterDir, { recursive: true, force: true, maxRetries: 3 });
      else if (cfg.removal === 'entries') {
        for (const name of cfg.entries) {
          fs.rmSync(pathMod.join(cfg.clusterDir, name), { recursive: true, force: true, maxRetries: 3 });
        }
      }
    } catch (e) {
      log(`could not remove ${cfg.clusterDir}: ${(e as Error).message}`);
    }
    for (const lock of cfg.lockPaths) {
      try {
        fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // Stale locks expire on their own.
      }
    }
    log(`done in ${Date.now() - started}ms`);
    process.exit(0);
  };

  const poll = setInterval(() => {
    if (!alive(cfg.ownerPid)) void cleanup('owner pid gone');
  }, cfg.pollMs);

  process.on('message', (m: ReaperMessage) => {
    if (m.type === 'update') cfg = { ...cfg, ...m.config };
    else if (m.type === 'release') {
      log(`released by ${cfg.ownerPid}`);
      process.exit(0);
    }
  });
  process.on('disconnect', () => void cleanup('IPC channel closed'));
  // Being signalled means someone is ending the reaper on purpose; the owner's death is still handled.
  for (const sig of ['SIGINT', 'SIGHUP'] as const) process.on(sig, () => undefined);

  // Whatever goes wrong in here, the cluster must still be cleaned up once the owner is gone.
  process.on('uncaughtException', (e) => {
    log(`unexpected error: ${e.stack ?? e.message}`);
    if (!alive(cfg.ownerPid) || !process.connected) void cleanup('error after the owner was gone');
  });
  if (!process.connected || typeof process.send !== 'function') void cleanup('started without its owner');
  else {
    // The owner may die while we start: sending to a closed channel is an error, not a crash.
    process.send({ type: 'ready', pid: process.pid } satisfies ReaperMessage, undefined, {}, (e: Error | null) => {
      if (e) void cleanup(`owner gone before we were ready (${e.message})`);
    });
  }
}
