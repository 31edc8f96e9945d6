// mongo-topology/vitest as users run it: a real vitest run (a child process, in a temp copy of
// projects/vitest-shared) whose global setup boots a 3-member set against the simulator; two test
// files in separate worker processes write data and one kills the primary with expectAutoRestart.
// Also: vitest SIGKILLed mid-run (its whole process group) leaves nothing behind once the
// cluster's reaper has done its work. The temp dir is the marker of every process of a run.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../../src/common/async.js';
import { SIM_BIN_DIR, clusterTestDir, expectCleanedUp } from '../../helpers/cluster.js';
import { findProcesses } from '../../helpers/leaks.js';
import { NodeRun, childEnv, copyProject, linkModules } from '../../helpers/project.js';
import type { TestDir } from '../../helpers/supervisor.js';

const PROJECT = resolve(import.meta.dirname, 'projects', 'vitest-shared');

function prepare(dir: TestDir) {
  const project = join(dir.path, 'project');
  const clusters = join(dir.path, 'clusters');
  const reports = join(dir.path, 'reports');
  copyProject(PROJECT, project);
  linkModules(project, ['vitest', 'mongodb']);
  mkdirSync(clusters);
  mkdirSync(reports);
  const env = childEnv({
    MONGO_TOPOLOGY_BIN_DIR: SIM_BIN_DIR,
    MONGO_TOPOLOGY_TMP_DIR: clusters,
    MT_REPORT_DIR: reports,
  });
  const vitest = join(project, 'node_modules', 'vitest', 'vitest.mjs');
  return { project, clusters, reports, env, vitest };
}

function readReport(dir: string, name: string): any {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
}

describe('mongo-topology/vitest in a real vitest run', { timeout: 150_000 }, () => {
  it('boots once, serves two workers, survives a primary kill, stops, leaves nothing', async () => {
    const dir = clusterTestDir();
    try {
      const p = prepare(dir);
      const run = new NodeRun([p.vitest, 'run', '--reporter=verbose'], { cwd: p.project, env: p.env });
      const r = await run.result(120_000);
      expect(r.code, run.output).toBe(0);
      expect(r.stdout).toMatch(/Test Files\s+2 passed/);
      expect(r.stdout).toMatch(/Tests\s+2 passed/);

      const writer = readReport(p.reports, 'writer');
      const failover = readReport(p.reports, 'failover');
      // One cluster, started by vitest's main process, used from two other processes.
      expect(writer.stateFile).toBe(failover.stateFile);
      expect(writer.ownerPid).toBe(run.child.pid);
      expect(new Set([writer.pid, failover.pid, run.child.pid]).size).toBe(3);
      expect(writer.envUri).toBe(writer.uri);
      expect(writer.db).not.toBe(failover.db);
      // Each file's database was dropped after the file; the cluster's own remain (not vacuous).
      const databases: string[] = readReport(p.reports, 'databases');
      expect(databases).toContain('admin');
      expect(databases).not.toContain(writer.db);
      expect(databases).not.toContain(failover.db);
      // Whichever member was primary when the file asked (a loaded machine can see an election before).
      expect(['rs0-0', 'rs0-1', 'rs0-2']).toContain(failover.killed);
      expect(failover.newPid).not.toBe(failover.oldPid);
      expect(writer.nodes).toEqual(['rs0-0', 'rs0-1', 'rs0-2']);
      // Stopped by the teardown: no process, no cluster directory.
      expect(existsSync(writer.stateFile)).toBe(false);
      await expectCleanedUp(dir.path, p.clusters, 15_000);
    } finally {
      await dir.cleanup();
    }
  });

  // This run also uses the zero-code setup: globalSetup 'mongo-topology/vitest' with a mongo-topology.config.ts.
  it('SIGKILLed mid-run (the whole process group), leaves nothing behind after the reaper', async () => {
    const dir = clusterTestDir();
    try {
      const p = prepare(dir);
      const run = new NodeRun([p.vitest, 'run', '--config', 'vitest.config.zero.ts'], {
        cwd: p.project,
        env: { ...p.env, MT_HANG: '1' },
      });
      try {
        // The writer reports once it has written, then waits: the cluster is up and in use.
        await pollUntil(() => existsSync(join(p.reports, 'writer.json')) || run.child.exitCode !== null, {
          what: 'the writer test to report (vitest running, cluster up)',
          timeoutMs: 90_000,
          intervalMs: 100,
        });
        expect(run.child.exitCode, run.output).toBe(null);
        const { stateFile, nodes } = readReport(p.reports, 'writer');
        expect(nodes).toEqual(['rs0-0', 'rs0-1', 'rs0-2']);
        const clusterDir = resolve(stateFile, '..');
        // Not vacuous: the cluster's servers are running right before the kill.
        expect(findProcesses(clusterDir).length).toBeGreaterThanOrEqual(3);
        // One cluster: the one of mongo-topology.config.ts.
        expect(readdirSync(p.clusters)).toEqual([basename(clusterDir)]);
      } finally {
        run.killGroup('SIGKILL');
      }
      const r = await run.result(10_000);
      expect(r.signal).toBe('SIGKILL');
      await expectCleanedUp(dir.path, p.clusters, 30_000);
    } finally {
      await dir.cleanup();
    }
  });

  it('a bad config file fails the run with every problem named, before anything starts', async () => {
    const dir = clusterTestDir();
    try {
      const p = prepare(dir);
      writeFileSync(join(p.project, 'bad.yaml'), 'replicaSet: 0\nshard: 2\n');
      const run = new NodeRun([p.vitest, 'run', '--config', 'vitest.config.zero.ts'], {
        cwd: p.project,
        env: { ...p.env, MONGO_TOPOLOGY_CONFIG: 'bad.yaml' },
      });
      const r = await run.result(60_000);
      expect(r.code, run.output).not.toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toContain(`TopologyConfigError: Invalid mongo-topology config in ${join(p.project, 'bad.yaml')}`);
      expect(out).toMatch(/- shard: unknown key/);
      expect(out).toMatch(/- replicaSet[^:]*: /);
      expect(readdirSync(p.clusters)).toEqual([]);
      expect(readdirSync(p.reports)).toEqual([]);
    } finally {
      await dir.cleanup();
    }
  });
});
