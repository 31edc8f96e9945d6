// Runs the built CLI (`node dist/cli/main.js`) the way a user does: as a child process with an
// argument array, in a per-test directory that is its working directory (so the CLI itself is
// found by the leak checks too), with MONGO_TOPOLOGY_HOME and the binary cache inside it and the
// simulator as MONGO_TOPOLOGY_BIN_DIR. Also runs it under a pseudo-terminal, through python3's pty
// module with an argument array (no shell: util-linux `script` only takes a shell command string).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_BIN_DIR } from './cluster.js';
import { ROOT, TestDir } from './supervisor.js';

/** The built CLI entry. */
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Fails early with what to do when the CLI is not built. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
}

/** A test dir whose `home` is the CLI's state directory. */
export class CliTestDir extends TestDir {
  constructor() {
    super('mt-cli-');
  }
  get home(): string {
    return join(this.path, 'home');
  }
  /** The environment the CLI runs with: state dir, cache and simulator inside this dir. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MONGO_TOPOLOGY_HOME: this.home,
      MONGO_TOPOLOGY_CACHE_DIR: join(this.path, 'cache'),
      MONGO_TOPOLOGY_BIN_DIR: SIM_BIN_DIR,
      ...extra,
    };
    for (const k of ['DEBUG', 'FORCE_COLOR', 'NO_COLOR', 'MONGO_TOPOLOGY_DOWNLOAD_MIRROR'] as const) {
      if (!(k in extra)) delete env[k];
    }
    return env;
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running CLI process with its output collected. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;

  constructor(
    file: string,
    args: readonly string[],
    options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly stdin?: 'pipe' | 'ignore' },
  ) {
    this.child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.done = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Waits until stdout+stderr match `re` (or the process ends, which fails). */
  async waitForOutput(re: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.done.then(() => (ended = true)).catch(() => (ended = true));
    while (!re.test(this.stdout + this.stderr)) {
      if (ended) throw new Error(`CLI ended before printing ${re}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(`No ${re} from the CLI within ${timeoutMs}ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for the end, killing the process when it takes longer than `timeoutMs`. */
  async result(timeoutMs = 90_000): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`CLI did not end within ${timeoutMs}ms:\n${this.stdout}\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Starts `node dist/cli/main.js ...args` in the test dir. */
export function startCli(dir: CliTestDir, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  return new CliProcess(process.execPath, [CLI, ...args], { cwd: dir.path, env: dir.env(env) });
}

/** Runs the CLI to its end. */
export function runCli(
  dir: CliTestDir,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 90_000,
): Promise<CliResult> {
  return startCli(dir, args, env).result(timeoutMs);
}

/** Runs the CLI and expects exit code 0; returns its output. */
export async function cliOk(dir: CliTestDir, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await runCli(dir, args, env);
  if (r.code !== 0) {
    throw new Error(`mongo-topology ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

// A pseudo-terminal runner: forks with the pty as the child's stdin/stdout/stderr (120x40, so
// renderers know the width), copies our stdin into the terminal (a "\x03" there is Ctrl-C: the
// terminal sends SIGINT to the child's process group) and the terminal's output to our stdout, and
// exits with the child's exit code (128+n for signal n).
const PTY_RUNNER = `
import os, pty, sys, select, struct, fcntl, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
fds = [fd, 0]
while fd in fds:
    r, _, _ = select.select(fds, [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            fds.remove(fd)
        else:
            os.write(1, data)
    if 0 in r:
        data = os.read(0, 1024)
        if not data:
            fds.remove(0)
        else:
            os.write(fd, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

/** Why the pty tests cannot run here, or undefined. */
export function ptyMissing(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import pty, termios, fcntl'], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `python3 with the pty module is needed for pseudo-terminal tests (${r.error?.message ?? r.stderr})`;
}

/** Starts the CLI under a pseudo-terminal; write "\x03" to `child.stdin` for Ctrl-C. */
export function startCliInPty(dir: CliTestDir, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  return new CliProcess('python3', ['-c', PTY_RUNNER, process.execPath, CLI, ...args], {
    cwd: dir.path,
    env: dir.env({ TERM: 'xterm-256color', ...env }),
    stdin: 'pipe',
  });
}

/** SGR sequences (colours, bold): what NO_COLOR must remove. */
// eslint-disable-next-line no-control-regex -- matching terminal escapes is the point
export const SGR = /\u001b\[[0-9;]*m/;
