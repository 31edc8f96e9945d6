#!/usr/bin/env node
// The `mongo-topology` CLI: a thin registry. Each command lives in ./commands/<name>.ts and
// exports `register(program)`; this file only wires them up and runs commander.

import { Command } from 'commander';
import { register as registerSupervisord } from './commands/supervisord.js';

/** Every command module, in help order. Add new commands here. */
const COMMANDS: readonly ((program: Command) => void)[] = [registerSupervisord];

/** Builds the CLI program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('mongo-topology')
    .description('Boot throwaway MongoDB topologies for tests and local development')
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
