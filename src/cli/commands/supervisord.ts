// `mongo-topology supervisord -c <ini> [-n]`: run our supervisor as a supervisord-compatible
// daemon (pidfile, main log, XML-RPC/JSON control API), so the real supervisorctl can drive it.

import type { Command } from '@commander-js/extra-typings';

export function register(program: Command): void {
  program
    .command('supervisord')
    .description('Run the process supervisor as a daemon, configured by a supervisord INI file')
    .requiredOption('-c, --configuration <file>', 'supervisord configuration file')
    .option('-n, --nodaemon', 'run in the foreground')
    .action(async (opts) => {
      const { runDaemon } = await import('../../supervisor/daemon.js');
      process.exitCode = await runDaemon({ configFile: opts.configuration, nodaemon: opts.nodaemon === true });
    });
}
