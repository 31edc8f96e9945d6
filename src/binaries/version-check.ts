// Runs `<binary> --version` once per binary build and says which server and version it is. Answers
// are cached by path + size + mtime (+ inode, ctime) in memory and on disk, so repeated resolutions
// (every test worker, every CLI run) do not spawn it again.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, rename, stat, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { debug, emit } from './events.js';
import { BinaryFailure } from './failure.js';
import type { BinaryEvent, BuildInfo } from './types.js';

/** Which server a binary is, by the first line of its `--version` output. */
export type ServerProgram = 'mongod' | 'mongos';

/** What `--version` printed, parsed. */
export interface VersionOutput {
  readonly program: ServerProgram;
  readonly version: string;
  readonly buildInfo: BuildInfo;
  readonly enterprise: boolean;
}

// `db version v8.0.4` (mongod) or `mongos version v8.0.4`; 8.2+ may print a JSON log line first.
const HEAD = /^(db|mongos) version v?(\S+)\s*$/m;

/**
 * Parses the stdout of `mongod --version` / `mongos --version`: the JSON `Build Info:` block of 4.4+
 * and the `git version:` / `build environment:` lines of 4.2 and earlier.
 * Throws when the output is not MongoDB's.
 */
export function parseVersionOutput(stdout: string): VersionOutput {
  const head = HEAD.exec(stdout);
  if (!head) {
    throw new Error(`no "db version v…" or "mongos version v…" line in: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const program: ServerProgram = head[1] === 'db' ? 'mongod' : 'mongos';
  const version = head[2];
  const rest = stdout.slice(head.index + head[0].length);
  const buildInfo = parseBuildInfoJson(rest, version) ?? parseLegacyBuildInfo(rest, version);
  return { program, version, buildInfo, enterprise: buildInfo.modules.includes('enterprise') };
}

function parseBuildInfoJson(text: string, version: string): BuildInfo | undefined {
  const at = text.indexOf('Build Info:');
  if (at < 0) return undefined;
  const json = balancedObject(text, text.indexOf('{', at));
  if (json === undefined) throw new Error('the "Build Info:" block is not complete JSON');
  const o = JSON.parse(json) as Record<string, unknown>;
  const env = (typeof o.environment === 'object' && o.environment !== null ? o.environment : {}) as Record<
    string,
    unknown
  >;
  return {
    version: str(o.version) ?? version,
    gitVersion: str(o.gitVersion),
    openSSLVersion: str(o.openSSLVersion),
    modules: Array.isArray(o.modules) ? o.modules.filter((m): m is string => typeof m === 'string') : [],
    allocator: str(o.allocator),
    environment: { distmod: str(env.distmod), distarch: str(env.distarch), target_arch: str(env.target_arch) },
  };
}

function parseLegacyBuildInfo(text: string, version: string): BuildInfo {
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.+?)\\s*$`, 'm').exec(text)?.[1];
  const modules = field('modules');
  return {
    version,
    gitVersion: field('git version'),
    openSSLVersion: field('OpenSSL version'),
    modules: modules === undefined || modules === 'none' ? [] : modules.split(/[\s,]+/).filter(Boolean),
    allocator: field('allocator'),
    environment: { distmod: field('distmod'), distarch: field('distarch'), target_arch: field('target_arch') },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The JSON object starting at `start`, up to its matching brace (strings and escapes respected). */
function balancedObject(text: string, start: number): string | undefined {
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

export interface VersionCheckOptions {
  /** Where on-disk answers are kept (`<cacheDir>/version-checks`). Without it only memory is used. */
  readonly cacheDir?: string;
  readonly timeoutMs: number;
  /** When false, always run the binary (and remember nothing). @default true */
  readonly useCache?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: BinaryEvent) => void;
}

export interface CheckedBinary extends VersionOutput {
  /** The path as given (not the realpath: a symlinked binDir stays as the user wrote it). */
  readonly path: string;
}

interface FileIdentity {
  readonly realpath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

const memo = new Map<string, Promise<VersionOutput>>();

/** Forgets in-memory answers (tests use it to prove the on-disk cache works). */
export function clearVersionCheckMemory(): void {
  memo.clear();
}

/**
 * Runs `<path> --version` (or answers from the cache) and checks it is the `expect`ed server.
 * Throws a `BinaryFailure` (MT_BINARY_UNUSABLE) when the binary does not run or is not what it should be.
 */
export async function checkBinaryVersion(
  path: string,
  expect: ServerProgram,
  options: VersionCheckOptions,
): Promise<CheckedBinary> {
  if (options.useCache === false) {
    const out = await runVersion(path, options.timeoutMs, options.signal);
    return expectProgram(path, out, expect, 'run', options.onEvent);
  }
  const id = await identify(path);
  const key = identityKey(id);
  let from: 'run' | 'memory' | 'disk' = 'memory';
  let pending = memo.get(key);
  if (pending === undefined) {
    pending = (async () => {
      const onDisk = options.cacheDir === undefined ? undefined : await readDiskEntry(options.cacheDir, key);
      if (onDisk) {
        from = 'disk';
        return onDisk;
      }
      from = 'run';
      const out = await runVersion(path, options.timeoutMs, options.signal);
      if (options.cacheDir !== undefined) await writeDiskEntry(options.cacheDir, key, id, out);
      return out;
    })();
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return expectProgram(path, await pending, expect, from, options.onEvent);
}

function expectProgram(
  path: string,
  out: VersionOutput,
  expect: ServerProgram,
  from: 'run' | 'memory' | 'disk',
  onEvent: ((e: BinaryEvent) => void) | undefined,
): CheckedBinary {
  if (out.program !== expect) {
    throw new BinaryFailure(
      'MT_BINARY_UNUSABLE',
      `${path} is ${out.program} ${out.version}, not ${expect} (its --version says "${out.program === 'mongod' ? 'db' : 'mongos'} version")`,
      { hint: 'Point at the directory holding both mongod and mongos from one MongoDB release.' },
    );
  }
  emit(onEvent, { type: 'version-checked', path, version: out.version, from });
  return { ...out, path };
}

/** Records an answer obtained elsewhere (e.g. before a staging dir was renamed into the cache). */
export async function rememberVersionCheck(path: string, out: VersionOutput, cacheDir?: string): Promise<void> {
  const id = await identify(path);
  const key = identityKey(id);
  memo.set(key, Promise.resolve(out));
  if (cacheDir !== undefined) await writeDiskEntry(cacheDir, key, id, out);
}

async function identify(path: string): Promise<FileIdentity> {
  const real = await realpath(path);
  const s = await stat(real);
  return { realpath: real, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
}

function identityKey(id: FileIdentity): string {
  return JSON.stringify([id.realpath, id.size, id.mtimeMs, id.ctimeMs, id.ino]);
}

function diskPath(cacheDir: string, key: string): string {
  return join(cacheDir, 'version-checks', `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

async function readDiskEntry(cacheDir: string, key: string): Promise<VersionOutput | undefined> {
  try {
    const entry = JSON.parse(await readFile(diskPath(cacheDir, key), 'utf8')) as {
      key?: string;
      output?: VersionOutput;
    };
    // The file name is a hash; the stored key proves it is this very file (and not a collision or an old format).
    if (entry.key === key && entry.output && typeof entry.output.version === 'string') return entry.output;
  } catch {
    // Missing or unreadable: run the binary instead.
  }
  return undefined;
}

async function writeDiskEntry(cacheDir: string, key: string, id: FileIdentity, out: VersionOutput): Promise<void> {
  const file = diskPath(cacheDir, key);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(join(cacheDir, 'version-checks'), { recursive: true });
    await writeFile(tmp, JSON.stringify({ key, binary: id.realpath, output: out }, null, 2));
    await rename(tmp, file);
  } catch (e) {
    // A read-only cache only costs a re-run next time; never fail resolution for it.
    debug('could not write version check cache %s: %O', file, e);
    await rm(tmp, { force: true });
  }
}

const OUTPUT_CAP = 256 * 1024;

/** Spawns `<path> --version` (no shell, own process group), with a deadline; reaps it in every case. */
async function runVersion(path: string, timeoutMs: number, signal?: AbortSignal): Promise<VersionOutput> {
  signal?.throwIfAborted();
  const started = Date.now();
  const child = spawn(path, ['--version'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    if (stdout.length < OUTPUT_CAP) stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < OUTPUT_CAP) stderr += d;
  });
  let timedOut = false;
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  signal?.addEventListener('abort', kill, { once: true });
  let result: { code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException };
  try {
    result = await new Promise((resolve) => {
      let spawnError: NodeJS.ErrnoException | undefined;
      child.once('error', (e: NodeJS.ErrnoException) => {
        spawnError = e;
        // No 'close' follows when the process never started.
        if (child.pid === undefined) resolve({ code: null, signal: null, error: e });
      });
      child.once('close', (code, sig) => resolve({ code, signal: sig, error: spawnError }));
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', kill);
  }
  signal?.throwIfAborted();
  const stderrTail = stderr.trim().split('\n').slice(-5).join('\n');
  if (result.error) {
    const code = result.error.code;
    throw new BinaryFailure('MT_BINARY_UNUSABLE', `could not run ${path} --version: ${result.error.message}`, {
      hint: code === 'EACCES' ? `Make it executable: chmod +x ${path}` : undefined,
      cause: result.error,
    });
  }
  if (timedOut) {
    throw new BinaryFailure('MT_BINARY_UNUSABLE', `${path} --version did not finish within ${timeoutMs}ms`, {
      hint: 'Raise versionCheckTimeoutMs if the machine is very busy.',
    });
  }
  if (result.code !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    throw new BinaryFailure('MT_BINARY_UNUSABLE', `${path} --version ${how}${stderrTail ? `: ${stderrTail}` : ''}`, {
      hint: hintForFailure(stderr, result.signal),
    });
  }
  try {
    const out = parseVersionOutput(stdout);
    debug('%s --version: %s %s (%dms)', path, out.program, out.version, Date.now() - started);
    return out;
  } catch (e) {
    throw new BinaryFailure('MT_BINARY_UNUSABLE', `${path} does not look like MongoDB: ${(e as Error).message}`, {
      hint: 'Point at a MongoDB server build (mongod/mongos), not a wrapper or another program.',
      cause: e,
    });
  }
}

function hintForFailure(stderr: string, sig: NodeJS.Signals | null): string | undefined {
  const lib = /error while loading shared libraries: ([^:\s]+)/.exec(stderr)?.[1];
  if (lib) {
    return `This build needs ${lib}, which this machine lacks: install the package that provides it, or use a build made for this distro (platform.distro) or a binDir with a matching build.`;
  }
  if (sig === 'SIGILL') {
    return 'The CPU lacks an instruction this build needs (MongoDB 5.0+ on x86_64 requires AVX); use an older version or another machine.';
  }
  return undefined;
}
