// `mongo-topology exec [topology flags] -- <command...>`: boots a topology, runs the command (an
// argument array, no shell) with MONGODB_URI set, tears the cluster down and exits with the
// command's exit code (128+n when a signal n ended it). The CI step: `npx mongo-topology exec
// --replset 3 -- npm test`.

import { spawn } from 'node:child_process';
import { Command } from '@commander-js/extra-typings';
import { bootNamed, specOrExit, teardown } from '../boot.js';
import { addHomeOption } from '../context.js';
import { CliError, reportError } from '../errors.js';
import { EXIT, signalExitCode } from '../exit-codes.js';
import { say } from '../output.js';
import { SignalTrap } from '../signals.js';
import { addTopologyOptions, type TopologyFlags } from '../topology-options.js';

/** How the command ended. */
type Outcome = { readonly code: number } | { readonly spawnError: NodeJS.ErrnoException };

export function register(program: Command): void {
  const cmd = program
    .command('exec')
    .description('boot a topology, run a command with MONGODB_URI set, tear it down, exit with its code')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('-q, --quiet', 'no progress on stderr')
    .passThroughOptions();
  addTopologyOptions(cmd);
  addHomeOption(cmd);
  cmd.addHelpText(
    'after',
    `
The command gets MONGODB_URI, MONGO_TOPOLOGY_STATE_FILE (for attach()) and MONGO_TOPOLOGY_CLUSTER.
It runs without a shell; wrap it in sh -c '...' for pipes and variables.

Examples:
  $ mongo-topology exec --replset 3 -- npm test
  $ mongo-topology exec --shards 2 --version 8.0 -- node check.js`,
  );
  cmd.action(async (command, opts) => {
    const flags = opts as TopologyFlags & { quiet?: boolean; home?: string };
    const spec = await specOrExit(flags);
    // SIGINT from a terminal reaches the command itself (same process group); any other signal, and
    // SIGINT sent to this process alone (no terminal), is passed on. The cluster stays up until the
    // command has ended.
    let child: ReturnType<typeof spawn> | undefined;
    using trap = new SignalTrap({
      secondExits: true,
      onSignal: (s) => {
        if (child && (s !== 'SIGINT' || process.stdin.isTTY !== true)) child.kill(s);
      },
    });
    const booted = await bootNamed(spec, flags, 'in-process', trap);
    const c = booted.cluster;
    const [file, ...args] = command;
    const outcome = await new Promise<Outcome>((resolve) => {
      child = spawn(file, args, {
        stdio: 'inherit',
        env: {
          ...process.env,
          MONGODB_URI: c.uri,
          MONGO_TOPOLOGY_STATE_FILE: c.stateFile,
          MONGO_TOPOLOGY_CLUSTER: c.name,
        },
      });
      child.once('error', (e) => resolve({ spawnError: e }));
      child.once('exit', (code, signal) => resolve({ code: signal ? signalExitCode(signal) : (code ?? EXIT.failure) }));
    });
    let code: number;
    if ('spawnError' in outcome) {
      const e = outcome.spawnError;
      code = e.code === 'ENOENT' ? EXIT.notFound : EXIT.cannotExecute;
      reportError(
        new CliError(
          `Cannot run ${file}: ${e.code === 'ENOENT' ? 'command not found' : e.message}`,
          'the command runs without a shell: give its path or put it on PATH',
        ),
      );
    } else {
      code = outcome.code;
    }
    if (!flags.quiet) say(`${file} exited with ${code}; stopping ${c.name}`);
    const down = await teardown(booted);
    process.exitCode = code !== EXIT.ok ? code : down;
  });
}
