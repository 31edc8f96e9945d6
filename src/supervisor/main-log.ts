// The supervisor's own log ("main log"). In-process it goes to `debug` (the library prints
// nothing); the daemon writes supervisord's format (`2026-11-24 03:55:44,067 INFO spawned: ...`)
// to its logfile with the same rotation as child logs, so `maintail` and log scrapers work.

import createDebug from 'debug';
import { LOG_LEVELS, type LogLevelName } from './config/value-types.js';
import { RotatingLogFile } from './logs/rotating-file.js';

export type { LogLevelName };

/** Where the supervisor's own messages go. */
export interface SupervisorLogger {
  log(level: LogLevelName, message: string): void;
}

const debug = createDebug('mongo-topology:supervisor');

/** Default logger: `DEBUG=mongo-topology:supervisor` shows the messages supervisord would log. */
export const debugLogger: SupervisorLogger = {
  log(level, message) {
    debug('%s %s', LEVEL_TAGS[level], message);
  },
};

const LEVEL_TAGS: Record<LogLevelName, string> = {
  critical: 'CRIT',
  error: 'ERRO',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBG',
  trace: 'TRAC',
  blather: 'BLAT',
};

/** `2026-11-24 03:55:44,067` in local time, like Python logging's asctime. */
export function asctime(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

/** supervisord's main log file: level filter, rotation, optional echo (nodaemon and not silent). */
export class MainLogFile implements SupervisorLogger {
  readonly file: RotatingLogFile | null;

  constructor(
    readonly options: {
      readonly path: string | null;
      readonly maxBytes: number;
      readonly backups: number;
      readonly level: LogLevelName;
      /** Also write every line here (the daemon passes stdout when running in the foreground). */
      readonly echo?: (line: string) => void;
    },
  ) {
    this.file = options.path ? new RotatingLogFile(options.path, options.maxBytes, options.backups) : null;
    this.file?.open();
  }

  log(level: LogLevelName, message: string): void {
    debugLogger.log(level, message);
    if (LOG_LEVELS[level] < LOG_LEVELS[this.options.level]) return;
    const line = `${asctime()} ${LEVEL_TAGS[level]} ${message}\n`;
    this.file?.write(Buffer.from(line));
    this.options.echo?.(line);
  }

  reopen(): void {
    this.file?.open();
  }

  close(): void {
    this.file?.close();
  }
}
