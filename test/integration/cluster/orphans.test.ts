// No orphans: a process that owns a cluster is SIGKILLed, during its boot (at every stage) and after
// it, ten times each; within 15 s no process of its cluster and none of its files may remain. The
// reaper does that work. Owners run a standalone or a one-member set to keep the test short, five at
// a time.

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { delay } from '../../../src/common/async.js';
import {
  SIM_BIN_DIR,
  ScriptProcess,
  bundle,
  clusterTestDir,
  expectCleanedUp,
  removeBundles,
} from '../../helpers/cluster.js';
import { findProcesses } from '../../helpers/leaks.js';
import type { TestDir } from '../../helpers/supervisor.js';

const OWNER = resolve(import.meta.dirname, 'owner-script.ts');

interface KillPlan {
  readonly shape: 'standalone' | 'replicaSet1';
  /** Kill once this event arrived ('spawn': right after the process was spawned). */
  readonly after: string;
  readonly delayMs?: number;
}

async function runOwnerAndKill(parent: TestDir, i: number, plan: KillPlan): Promise<void> {
  const sub = join(parent.path, `run-${i}`);
  mkdirSync(sub);
  // During the boot, a modelled start delay widens the window between "starting" and "ready".
  const env = plan.after === 'started' ? {} : { MONGOSIM_START_DELAY_MS: '400' };
  const owner = new ScriptProcess(
    await bundle(OWNER),
    [JSON.stringify({ binDir: SIM_BIN_DIR, tmpDir: sub, shape: plan.shape, env })],
    // MT_REAPER_LOG=<path> keeps each reaper's diagnostics (MONGO_TOPOLOGY_REAPER_LOG) for a failing run.
    process.env.MT_REAPER_LOG
      ? { ...process.env, MONGO_TOPOLOGY_REAPER_LOG: `${process.env.MT_REAPER_LOG}.${i}` }
      : process.env,
  );
  try {
    if (plan.after !== 'spawn') await owner.waitFor((m) => m.type === plan.after, 60_000);
    if (plan.delayMs) await delay(plan.delayMs);
    if (plan.after === 'started') {
      // Not vacuous: the cluster and its processes exist right before the kill.
      const started = owner.messages.find((m) => m.type === 'started');
      expect(existsSync(started.clusterDir)).toBe(true);
      expect(findProcesses(started.clusterDir).length).toBeGreaterThanOrEqual(2);
    }
  } finally {
    owner.kill('SIGKILL');
  }
  await owner.exited();
  await expectCleanedUp(sub, sub, 15_000);
}

async function inBatches(parent: TestDir, plans: readonly KillPlan[], size: number): Promise<void> {
  for (let i = 0; i < plans.length; i += size) {
    await Promise.all(plans.slice(i, i + size).map((p, j) => runOwnerAndKill(parent, i + j, p)));
  }
}

describe('no orphans when the owner is SIGKILLed', { timeout: 180_000 }, () => {
  afterAll(() => removeBundles());

  it('during the boot, at every stage, 10 times', async () => {
    const dir = clusterTestDir();
    try {
      await inBatches(
        dir,
        [
          { shape: 'standalone', after: 'spawn', delayMs: 100 },
          { shape: 'standalone', after: 'binaryResolved' },
          { shape: 'standalone', after: 'planned' },
          { shape: 'replicaSet1', after: 'supervisorStarted' },
          { shape: 'standalone', after: 'nodeStarting' },
          { shape: 'replicaSet1', after: 'nodeStarting', delayMs: 150 },
          { shape: 'standalone', after: 'nodeStarting', delayMs: 300 },
          { shape: 'replicaSet1', after: 'nodeReady' },
          { shape: 'replicaSet1', after: 'replicaSetInitiated' },
          { shape: 'replicaSet1', after: 'primaryElected' },
        ],
        5,
      );
    } finally {
      await dir.cleanup();
    }
  });

  it('after the boot, 10 times', async () => {
    const dir = clusterTestDir();
    try {
      await inBatches(
        dir,
        Array.from(
          { length: 10 },
          (_, i) => ({ shape: i % 2 === 0 ? 'standalone' : 'replicaSet1', after: 'started' }) as const,
        ),
        5,
      );
    } finally {
      await dir.cleanup();
    }
  });
});
