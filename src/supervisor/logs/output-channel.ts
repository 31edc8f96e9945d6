// One output channel (stdout or stderr) of one process: what supervisord's POutputDispatcher does
// with the bytes read from the child's pipe (capture mode between XSUPERVISOR tokens, ANSI
// stripping, the log file with rotation, PROCESS_LOG events), plus what supervisord lacks: a split
// into complete lines tagged with the pid that wrote them, for readiness checks and line streams.

import { RotatingLogFile } from './rotating-file.js';

export type Channel = 'stdout' | 'stderr';

/** One complete line of a process's output. */
export interface LogLine {
  /** Namespec of the process. */
  readonly name: string;
  readonly channel: Channel;
  /** The pid of the incarnation that wrote it. */
  readonly pid: number;
  /** The line without its trailing newline, decoded as UTF-8 (invalid bytes replaced). */
  readonly text: string;
  /** Wall-clock receive time, ms since the epoch. */
  readonly time: number;
  /** Read back from the log file (a `from: { offset }` subscription); `pid` is then 0 (unknown). */
  readonly replayed?: boolean;
}

const BEGIN_TOKEN = Buffer.from('<!--XSUPERVISOR:BEGIN-->');
const END_TOKEN = Buffer.from('<!--XSUPERVISOR:END-->');
// supervisord's stripEscapes: from ESC[ up to one of its terminator letters.
// eslint-disable-next-line no-control-regex -- ESC is what an ANSI sequence starts with
const ANSI_RE = /\x1b\[[^HfABCDRsuJKhlpm]*[HfABCDRsuJKhlpm]/g;

export interface ChannelSinks {
  /** A complete line was read. */
  line(line: LogLine): void;
  /** Data that went to the log (for PROCESS_LOG_* events), only called when events are enabled. */
  logged?(data: Buffer, pid: number): void;
  /** Data captured between XSUPERVISOR tokens. */
  communication?(data: Buffer, pid: number): void;
}

export interface OutputChannelOptions {
  readonly name: string;
  readonly channel: Channel;
  /** null: no log file (NONE). */
  readonly logfile: string | null;
  readonly maxBytes: number;
  readonly backups: number;
  readonly captureMaxBytes: number;
  readonly stripAnsi: boolean;
  readonly eventsEnabled: boolean;
}

/** The persistent part: the log file shared by every incarnation of the process. */
export class OutputChannel {
  readonly file: RotatingLogFile | null;

  constructor(
    readonly options: OutputChannelOptions,
    readonly sinks: ChannelSinks,
  ) {
    this.file =
      options.logfile === null ? null : new RotatingLogFile(options.logfile, options.maxBytes, options.backups);
  }

  /** Starts reading the pipe of a new incarnation; the log is (re)opened like supervisord does at spawn. */
  begin(pid: number): ChannelReader {
    this.file?.open();
    return new ChannelReader(this, pid);
  }

  /** Writes bytes that are not program output (e.g. supervisord's "couldn't exec" notes). */
  writeRaw(data: Buffer): void {
    this.file?.write(data);
  }

  close(): void {
    this.file?.close();
  }
}

/** Reads one pipe of one incarnation. */
export class ChannelReader {
  #partial: Buffer = Buffer.alloc(0);
  #pending: Buffer = Buffer.alloc(0);
  #capturing = false;
  #captured: Buffer[] = [];
  #capturedBytes = 0;

  constructor(
    readonly channel: OutputChannel,
    readonly pid: number,
  ) {}

  write(chunk: Buffer): void {
    if (this.channel.options.captureMaxBytes > 0) {
      this.#pending = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
      this.#recordCaptured();
    } else {
      this.#log(chunk);
    }
  }

  /** The pipe closed: log what was held back and flush a final line without newline. */
  end(): void {
    if (this.#pending.length > 0) {
      const rest = this.#pending;
      this.#pending = Buffer.alloc(0);
      this.#log(rest);
    }
    if (this.#partial.length > 0) {
      this.#emitLine(this.#partial);
      this.#partial = Buffer.alloc(0);
    }
  }

  // supervisord's record_output: split around the next token, keep a possible token prefix at the end.
  #recordCaptured(): void {
    for (;;) {
      const token = this.#capturing ? END_TOKEN : BEGIN_TOKEN;
      if (this.#pending.length <= token.length) return;
      const data = this.#pending;
      this.#pending = Buffer.alloc(0);
      const idx = data.indexOf(token);
      if (idx === -1) {
        const keep = prefixAtEnd(data, token);
        if (keep > 0) {
          this.#pending = data.subarray(data.length - keep);
          this.#write(data.subarray(0, data.length - keep));
        } else this.#write(data);
        return;
      }
      this.#write(data.subarray(0, idx));
      this.#toggleCapture();
      this.#pending = data.subarray(idx + token.length);
      if (this.#pending.length === 0) return;
    }
  }

  #write(data: Buffer): void {
    if (data.length === 0) return;
    if (this.#capturing) {
      this.#captured.push(data);
      this.#capturedBytes += data.length;
      // Capture log is bounded: keep only the last captureMaxBytes bytes.
      const max = this.channel.options.captureMaxBytes;
      if (this.#capturedBytes > max) {
        const all = Buffer.concat(this.#captured);
        this.#captured = [all.subarray(all.length - max)];
        this.#capturedBytes = max;
      }
    } else this.#log(data);
  }

  #toggleCapture(): void {
    if (this.#capturing) {
      const data = Buffer.concat(this.#captured);
      this.#captured = [];
      this.#capturedBytes = 0;
      this.channel.sinks.communication?.(data, this.pid);
    }
    this.#capturing = !this.#capturing;
  }

  #log(raw: Buffer): void {
    if (raw.length === 0) return;
    const o = this.channel.options;
    const data = o.stripAnsi ? Buffer.from(raw.toString('latin1').replace(ANSI_RE, ''), 'latin1') : raw;
    this.channel.file?.write(data);
    if (o.eventsEnabled) this.channel.sinks.logged?.(data, this.pid);
    this.#split(data);
  }

  #split(data: Buffer): void {
    let start = 0;
    let nl = data.indexOf(10);
    if (nl !== -1 && this.#partial.length > 0) {
      this.#emitLine(Buffer.concat([this.#partial, data.subarray(0, nl)]));
      this.#partial = Buffer.alloc(0);
      start = nl + 1;
      nl = data.indexOf(10, start);
    }
    while (nl !== -1) {
      this.#emitLine(data.subarray(start, nl));
      start = nl + 1;
      nl = data.indexOf(10, start);
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      this.#partial = this.#partial.length > 0 ? Buffer.concat([this.#partial, rest]) : Buffer.from(rest);
    }
  }

  #emitLine(bytes: Buffer): void {
    const o = this.channel.options;
    this.channel.sinks.line({
      name: o.name,
      channel: o.channel,
      pid: this.pid,
      text: bytes.toString('utf8'),
      time: Date.now(),
    });
  }
}

/** Length of the longest suffix of `data` that is a proper prefix of `token` (supervisord's find_prefix_at_end). */
function prefixAtEnd(data: Buffer, token: Buffer): number {
  for (let l = Math.min(token.length - 1, data.length); l > 0; l--) {
    if (data.subarray(data.length - l).equals(token.subarray(0, l))) return l;
  }
  return 0;
}
