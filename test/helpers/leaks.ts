// Leak checks for tests (STYLE.md rule 12): find live processes by a marker in their command line
// (every process a test starts has its temp dir in its argv or cwd), and wait, with a deadline, until none remain.

import { readdirSync, readFileSync, readlinkSync, existsSync } from 'node:fs';
import { pollUntil } from '../../src/common/async.js';

export interface LiveProcess {
  readonly pid: number;
  readonly argv: readonly string[];
}

/** Processes (other than zombies and this one) whose argv or cwd contains `marker`. Linux /proc only. */
export function findProcesses(marker: string | RegExp): LiveProcess[] {
  const found: LiveProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // cwd is unreadable for some processes; the argv still counts.
      }
      const hay = [...argv, cwd].join(' ');
      const hit = typeof marker === 'string' ? hay.includes(marker) : marker.test(hay);
      if (hit) found.push({ pid, argv });
    } catch {
      // The process exited while we looked.
    }
  }
  return found;
}

/** Waits until no process matches `marker`; throws listing the survivors if any remain after `timeoutMs`. */
export async function expectNoProcesses(marker: string | RegExp, timeoutMs = 10_000): Promise<void> {
  try {
    await pollUntil(() => findProcesses(marker).length === 0, {
      what: `no process matching ${String(marker)}`,
      timeoutMs,
    });
  } catch {
    const left = findProcesses(marker);
    throw new Error(
      `Processes left behind (matching ${String(marker)}):\n${left.map((p) => `  ${p.pid} ${p.argv.join(' ')}`).join('\n')}`,
    );
  }
}

/** Throws if `dir` still exists. */
export function expectRemoved(dir: string): void {
  if (existsSync(dir)) throw new Error(`Directory left behind: ${dir}`);
}
