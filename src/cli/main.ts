#!/usr/bin/env node
// The `mongo-topology` CLI: a thin registry. Each command lives in ./commands/<name>.ts and exports
// `register(program)`; this file wires them up, runs commander and turns every failure into a
// message and an exit code (./exit-codes.ts): usage errors exit 2 with what was wrong, typed errors
// one line and a hint, stack traces only with DEBUG.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { ExitWith } from './boot.js';
import { register as registerClusters } from './commands/clusters.js';
import { register as registerDownload } from './commands/download.js';
import { register as registerExec } from './commands/exec.js';
import { register as registerNodes } from './commands/nodes.js';
import { register as registerSupervisord } from './commands/supervisord.js';
import { register as registerUp } from './commands/up.js';
import { reportError } from './errors.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { paint } from './output.js';

/** Every command module, in help order. Add new commands here. */
const COMMANDS: readonly ((program: Command) => void)[] = [
  registerUp,
  registerExec,
  registerClusters,
  registerNodes,
  registerDownload,
  registerSupervisord,
];

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Builds the CLI program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('mongo-topology')
    .description('Boot throwaway MongoDB topologies for tests and local development')
    .version(packageVersion(), '-V, --version', 'print the mongo-topology version')
    // Program options only before the command, so commands can have their own --version (the server's).
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      outputError: (s, write) => write(s.replace(/^error:/, paint('red', 'error:'))),
    })
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\nDocs: docs/cli.md`);
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; anything else commander rejects is a usage error.
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(e.code)) return EXIT.ok;
      if (e.code === 'commander.executeSubCommandAsync') return e.exitCode;
      return EXIT.usage;
    }
    if (e instanceof ExitWith) return e.exitCode;
    return reportError(e);
  }
}

// A reader that goes away (`mongo-topology ls | head -1`) is not a failure, and must not cut a
// teardown short: output to a closed pipe is dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
process.exitCode = await run(process.argv);
