// Runs the npm mongosh as a child process (argument array, no shell) with HOME in the test's own
// temp dir, so it writes nothing elsewhere, telemetry and update checks off, and a deadline.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MONGOSH = resolve(import.meta.dirname, '../../node_modules/.bin/mongosh');

export interface MongoshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mongosh --norc --quiet <args>` in `dir` (HOME is `<dir>/home`); kills it after `timeoutMs`. */
export function runMongosh(dir: string, args: readonly string[], timeoutMs = 90_000): Promise<MongoshResult> {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return new Promise((res, rej) => {
    const p = spawn(MONGOSH, ['--norc', '--quiet', ...args], {
      env: { ...process.env, HOME: home, MONGOSH_NO_TELEMETRY: '1', MONGOSH_NO_UPDATE_CHECK: '1' },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`mongosh did not finish within ${timeoutMs} ms\nstdout:${stdout}\nstderr:${stderr}`));
    }, timeoutMs);
    p.on('error', (e) => {
      clearTimeout(t);
      rej(e);
    });
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}
