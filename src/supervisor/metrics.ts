// Per-process resource figures from Linux /proc: CPU time, resident memory, open file descriptors,
// threads. Read on demand (no sampling thread); a missing /proc entry (process gone, or not Linux)
// yields undefined fields rather than an error.

import { readdirSync, readFileSync } from 'node:fs';

/**
 * Clock ticks per second for /proc/<pid>/stat times. Linux fixes USER_HZ at 100 for the userspace
 * ABI on every architecture Node supports, and Node has no sysconf() to ask.
 */
const CLK_TCK = 100;

export interface ProcMetrics {
  /** User + system CPU time consumed, seconds. */
  readonly cpuSeconds: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  /** Number of open file descriptors (undefined when /proc/<pid>/fd is not readable). */
  readonly openFds: number | undefined;
  readonly threads: number;
  /** Process start time in clock ticks since boot (identifies an incarnation across pid reuse). */
  readonly startTicks: number;
  readonly pgid: number;
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself contain spaces or ')'. */
function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Reads the figures for one pid, or undefined if the process does not exist. */
export function readProcMetrics(pid: number): ProcMetrics | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  // After "(comm) ": state(0) ppid(1) pgrp(2) ... utime(11) stime(12) ... num_threads(17) ... starttime(19)
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  let rssBytes = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    rssBytes = m ? Number(m[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
  let openFds: number | undefined;
  try {
    openFds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    openFds = undefined;
  }
  return {
    cpuSeconds: (utime + stime) / CLK_TCK,
    rssBytes,
    openFds,
    threads: Number(f[17]),
    startTicks: Number(f[19]),
    pgid: Number(f[2]),
  };
}

/** Start time (clock ticks since boot) of a pid, or undefined. */
export function processStartTicks(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[19]) : undefined;
}

/**
 * Live members of process group `pgid` that started at or after `sinceTicks` (so a recycled
 * process-group id never matches an unrelated group). Zombies are skipped.
 */
export function processGroupMembers(pgid: number, sinceTicks: number): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const e of entries) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    const pid = Number(e);
    const f = statFields(pid);
    if (!f) continue;
    if (f[0] === 'Z' || f[0] === 'X') continue;
    if (Number(f[2]) === pgid && Number(f[19]) >= sinceTicks) found.push(pid);
  }
  return found;
}
