// `mongo-topology up`: boots a topology, docker-compose style. In the foreground it shows the boot,
// the URI (stdout) and a status table, then node events as they happen, until Ctrl-C (or SIGTERM,
// SIGHUP) tears it down. With -d the supervisor runs as a daemon in its own session: the URI alone
// goes to stdout once the cluster is ready, and the cluster outlives this process and its terminal.

import { Command } from '@commander-js/extra-typings';
import { bootNamed, specOrExit, teardown } from '../boot.js';
import { addHomeOption } from '../context.js';
import { clusterStatus, statusTable } from '../describe-cluster.js';
import { EXIT, signalExitCode } from '../exit-codes.js';
import { out, outJson, paint, say } from '../output.js';
import { SignalTrap } from '../signals.js';
import { addTopologyOptions, type TopologyFlags } from '../topology-options.js';
import type { StartedCluster } from '../../index.js';

/** What `up --json` and `up -d --json` print. */
export function clusterSummary(c: StartedCluster): Record<string, unknown> {
  return {
    name: c.name,
    uri: c.uri,
    kind: c.kind,
    version: c.version,
    clusterDir: c.clusterDir,
    stateFile: c.stateFile,
    supervisor: { mode: c.layout.supervisor.mode, url: c.controlUrl },
    nodes: c.nodes.map((n) => ({ name: n.name, role: n.role, address: n.address, uri: n.uri })),
  };
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

export function register(program: Command): void {
  const cmd = program
    .command('up')
    .description('boot a topology: in the foreground until Ctrl-C, or detached with -d')
    .option('-d, --detach', 'run the cluster in the background; print only its URI once ready')
    .option('--json', 'print the cluster (name, uri, nodes, state file) as JSON instead of the URI')
    .option('-q, --quiet', 'no progress on stderr');
  addTopologyOptions(cmd);
  addHomeOption(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  $ mongo-topology up --replset 3                    # foreground; Ctrl-C stops it
  $ export MONGODB_URI=$(mongo-topology up -d --replset 3 --name dev)
  $ mongo-topology up -d --shards 2 --replset 3 --config-servers 3 --mongos 2
  $ mongo-topology up -d --config topology.yaml --version 8.0`,
  );
  cmd.action(async (opts) => {
    const flags = opts as TopologyFlags & { detach?: boolean; json?: boolean; quiet?: boolean; home?: string };
    const spec = await specOrExit(flags);
    using trap = new SignalTrap();
    const booted = await bootNamed(spec, flags, flags.detach ? { mode: 'daemon' } : 'in-process', trap);
    const c = booted.cluster;
    if (flags.json) outJson(clusterSummary(c));
    else out(c.uri);
    if (flags.detach) {
      if (!flags.quiet)
        say(
          `${paint('green', '✔')} ${c.name} runs in the background; \`mongo-topology status ${c.name}\`, \`mongo-topology down ${c.name}\``,
        );
      // Let go of the cluster (connections, streams, port locks): it is the daemon's from now on.
      await c.detach();
      process.exitCode = EXIT.ok;
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      // Belt and braces: nothing of this process may keep the terminal waiting.
      process.exit(EXIT.ok);
    }
    if (!flags.quiet) {
      say('');
      say(statusTable(await clusterStatus(c)));
      say('');
      say(`${paint('bold', c.name)} is up: ${c.uri}`);
      say(paint('dim', `state: ${c.stateFile}  ·  Ctrl-C to stop and remove it`));
    }
    c.on('nodeExited', (e) => {
      say(
        `${time()} ${paint('yellow', e.node)} exited (pid ${e.pid}, ${e.exitStatus === -1 ? 'killed by a signal' : `status ${e.exitStatus}`})${e.expected ? '' : ', restarting'}`,
      );
    });
    c.on('nodeRestarted', (e) => say(`${time()} ${paint('green', e.node)} is back (pid ${e.pid})`));
    const signal = await trap.wait();
    if (!flags.quiet) say(`${signal}: stopping ${c.name} (again to exit at once)`);
    const code = await teardown(booted);
    if (!flags.quiet && code === EXIT.ok) say(`${paint('green', '✔')} ${c.name} stopped and removed`);
    process.exitCode = code === EXIT.ok ? signalExitCode(signal) : code;
  });
}
