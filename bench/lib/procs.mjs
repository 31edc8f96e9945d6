// Process bookkeeping for the benchmarks (Linux /proc): which processes a trial owns (descendants of
// its worker, or anything naming the trial's private directory), which survive a teardown, and killing
// what survives; plus the description of the machine the figures came from.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import os from 'node:os';

/** `{ ppid, state, starttime }` of a pid, or undefined when it is gone. */
function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgid: Number(f[2]), starttime: f[19] };
  } catch {
    return undefined;
  }
}

function pids() {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

function argvOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** A process identity that survives pid reuse: pid plus its kernel start time. */
export function identify(pid) {
  const s = stat(pid);
  return s ? { pid, starttime: s.starttime, pgid: s.pgid, argv: argvOf(pid).join(' ').slice(0, 200) } : undefined;
}

/** Whether that same process (not a zombie, not a reused pid) is still alive. */
export function isAlive(proc) {
  const s = stat(proc.pid);
  return s !== undefined && s.starttime === proc.starttime && s.state !== 'Z' && s.state !== 'X';
}

/** Every live descendant of `root` (children, grandchildren, ... detached ones included). */
export function descendants(root) {
  const children = new Map();
  for (const pid of pids()) {
    const s = stat(pid);
    if (!s || s.state === 'Z') continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(pid);
  }
  const out = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length > 0) {
    const pid = todo.pop();
    const id = identify(pid);
    if (id) out.push(id);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Live processes (not `exclude`) whose argv or cwd contains `marker`. */
export function byMarker(marker, exclude = [process.pid]) {
  const out = [];
  for (const pid of pids()) {
    if (exclude.includes(pid)) continue;
    const s = stat(pid);
    if (!s || s.state === 'Z' || s.state === 'X') continue;
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // unreadable cwd (another user's process): the argv still counts
    }
    if ([...argvOf(pid), cwd].join(' ').includes(marker)) {
      const id = identify(pid);
      if (id) out.push(id);
    }
  }
  return out;
}

/** Unique processes of both lists that are still alive. */
export function stillAlive(...lists) {
  const seen = new Map();
  for (const p of lists.flat()) if (p && isAlive(p)) seen.set(`${p.pid}:${p.starttime}`, p);
  return [...seen.values()];
}

/**
 * SIGKILLs each process's group (when it leads one of its own) and the process itself. Only the
 * processes given (found by marker or ancestry of our own trial), never anything by name.
 */
export function killAll(procs) {
  for (const p of procs) {
    if (!isAlive(p)) continue;
    try {
      if (p.pgid === p.pid) process.kill(-p.pid, 'SIGKILL');
    } catch {
      // group already gone
    }
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Unix socket files mongod left in /tmp for these ports (a clean shutdown removes them), made at or
 * after `sinceMs` (epoch): an older file there is another process's, from before this port was ours.
 */
export function leftoverSockets(ports, sinceMs = 0) {
  return ports
    .map((p) => `/tmp/mongodb-${p}.sock`)
    .filter((f) => {
      try {
        return statSync(f).mtimeMs >= sinceMs - 1000;
      } catch {
        return false;
      }
    });
}

/** CPU, cores, RAM, Node, OS, load: gathered, never typed in. */
export function machine() {
  const cpus = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    const rel = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel);
    if (pretty) osName = `${pretty[1]} (kernel ${os.release()})`;
  } catch {
    // no os-release: type and kernel release it is
  }
  let supervisord = 'not installed';
  try {
    supervisord = execFileSync('/usr/bin/supervisord', ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    // absent: the supervisor comparison is skipped
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: osName,
    arch: os.arch(),
    loadavg: os.loadavg(),
    supervisord,
  };
}
