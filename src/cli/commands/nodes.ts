// The commands about one node of a running cluster: `logs`, `kill`, `stop`, `start`, `restart`.
// The cluster is `--name` (default: the only one in the state directory).

import { open } from 'node:fs/promises';
import { constants } from 'node:os';
import { Command, Option } from '@commander-js/extra-typings';
import type { AttachedCluster, NodeHandle } from '../../index.js';
import { library } from '../library.js';
import { addHomeOption, homeOf, pickCluster } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { out, outJson } from '../output.js';
import { SignalTrap } from '../signals.js';
import { integer } from '../topology-options.js';

function clusterOption(): Option<'--name <cluster>', undefined, undefined, string, false, undefined> {
  return new Option('--name <cluster>', 'the cluster (default: the only one)');
}

async function withNode<T>(
  opts: { readonly name?: string },
  node: string,
  f: (n: NodeHandle, c: AttachedCluster) => Promise<T>,
): Promise<T> {
  const home = homeOf(opts);
  const entry = pickCluster(home, opts.name);
  if (!entry.alive) {
    throw new CliError(`Cluster ${entry.name} is ${entry.status}`, '`mongo-topology prune` removes what is left of it');
  }
  const { attach } = await library();
  await using c = await attach(entry.clusterDir);
  let handle: NodeHandle;
  try {
    handle = c.node(node);
  } catch (e) {
    // Like a missing cluster, a missing node is about what runs, not about the command line: exit 1.
    throw new CliError((e as Error).message, `\`mongo-topology status ${entry.name}\` lists its nodes`);
  }
  return await f(handle, c);
}

/** The last `lines` lines of a file (reads backwards in chunks, so large logs cost little). */
async function lastLines(file: string, lines: number): Promise<string[]> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = size;
    let text = '';
    while (pos > 0 && text.split('\n').length <= lines + 1) {
      const n = Math.min(64 * 1024, pos);
      pos -= n;
      const buf = Buffer.alloc(n);
      await fh.read(buf, 0, n, pos);
      text = buf.toString('utf8') + text;
    }
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines);
  } finally {
    await fh.close();
  }
}

function signalName(v: string): NodeJS.Signals {
  const s = (
    /^\d+$/.test(v)
      ? Object.entries(constants.signals).find(([, n]) => n === Number(v))?.[0]
      : v.toUpperCase().replace(/^(?!SIG)/, 'SIG')
  ) as NodeJS.Signals | undefined;
  if (!s || !(s in constants.signals)) throw new UsageError(`--signal: unknown signal ${v}`, 'e.g. SIGKILL, TERM, 9');
  return s;
}

export function register(program: Command): void {
  const logs = program
    .command('logs')
    .description("print a node's log (its stdout and stderr)")
    .argument('<node>', 'node name, e.g. rs0-1, shard0-0, config-0, mongos-0, standalone')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <n>', 'lines from the end (default 100; 0 for none)', integer(0))
    .addOption(clusterOption());
  addHomeOption(logs).action(async (node, opts) => {
    await withNode(opts, node, async (n, c) => {
      const lines = opts.lines ?? 100;
      if (lines > 0) for (const l of await lastLines(n.logFile, lines)) out(l);
      if (!opts.follow) return;
      using trap = new SignalTrap({ secondExits: true });
      // The supervisor streams the program's log from now on (the lines above came from the file).
      const it = await c.supervisor.follow(n.layout.namespec, { backlogBytes: 0, signal: trap.signal });
      try {
        for await (const chunk of it) process.stdout.write(chunk);
      } catch (e) {
        if (!trap.signal.aborted) throw e;
      }
      if (trap.received) process.exitCode = 128 + (constants.signals[trap.received] ?? 0);
    });
  });

  const kill = program
    .command('kill')
    .description('send a signal to a node (SIGKILL: the supervisor starts it again; SIGTERM/SIGINT: it stays down)')
    .argument('<node>', 'node name')
    .option('-s, --signal <signal>', 'signal name or number', 'SIGKILL')
    .option('--wait', 'wait until the supervisor has started it again and it is healthy')
    .option('--timeout-ms <ms>', 'deadline of --wait', integer(1), 60_000)
    .option('--json', 'as JSON')
    .addOption(clusterOption());
  addHomeOption(kill).action(async (node, opts) => {
    const signal = signalName(opts.signal);
    await withNode(opts, node, async (n) => {
      const { pid } = await n.kill(signal);
      let back: { pid: number; state: string } | undefined;
      if (opts.wait) {
        const deadline = Date.now() + opts.timeoutMs;
        let newPid = 0;
        // The supervisor's view is the source of truth: a new pid means it started the node again.
        while (newPid === 0) {
          const info = await n.info();
          if (info.pid !== 0 && info.pid !== pid) newPid = info.pid;
          else if (info.state === 'FATAL' || (info.state === 'EXITED' && info.exitStatus === 0))
            throw new CliError(
              `${n.name} is ${info.state} after ${signal} and will not be started again`,
              `\`mongo-topology start ${n.name}\` starts it`,
            );
          else if (Date.now() > deadline)
            throw new CliError(`${n.name} was not started again within ${opts.timeoutMs}ms (it is ${info.state})`);
          else await new Promise((r) => setTimeout(r, 200));
        }
        const state = await n.waitHealthy({ timeoutMs: Math.max(1_000, deadline - Date.now()) });
        back = { pid: await n.pid(), state };
      }
      if (opts.json) outJson({ node: n.name, signal, pid, ...(back ? { newPid: back.pid, state: back.state } : {}) });
      else out(`${n.name}: sent ${signal} to pid ${pid}${back ? `; back as pid ${back.pid} (${back.state})` : ''}`);
    });
  });

  for (const [action, description] of [
    ['stop', 'stop a node cleanly through the supervisor; it stays stopped'],
    ['start', 'start a stopped node and wait until it is healthy'],
    ['restart', 'stop a node cleanly, start it again and wait until it is healthy'],
  ] as const) {
    const cmd = program
      .command(action)
      .description(description)
      .argument('<node>', 'node name')
      .option('--timeout-ms <ms>', 'deadline', integer(1), 60_000)
      .option('--json', 'as JSON')
      .addOption(clusterOption());
    addHomeOption(cmd).action(async (node, opts) => {
      await withNode(opts, node, async (n) => {
        if (action === 'stop') await n.stop({ timeoutMs: opts.timeoutMs });
        const state = action === 'stop' ? 'STOPPED' : await n[action]({ timeoutMs: opts.timeoutMs });
        const pid = await n.pid();
        if (opts.json) outJson({ node: n.name, action, state, pid });
        else out(`${n.name}: ${state}${pid > 0 ? ` (pid ${pid})` : ''}`);
      });
    });
  }
}
