// The jest integration as users run it: a real jest run (a child process, in a temp copy of
// projects/jest-shared) with mongo-topology's test environment and global teardown and a global
// setup made with createGlobalSetup; a CommonJS and an ES module test file, in separate worker
// processes, write data and one kills the primary with expectAutoRestart. The run passes and
// leaves nothing behind (the temp dir is the marker of every process of the run).

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_BIN_DIR, clusterTestDir, expectCleanedUp } from '../../helpers/cluster.js';
import { NodeRun, childEnv, copyProject, linkModules } from '../../helpers/project.js';

const PROJECT = resolve(import.meta.dirname, 'projects', 'jest-shared');

function readReport(dir: string, name: string): any {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
}

describe('mongo-topology jest environment in a real jest run', { timeout: 120_000 }, () => {
  it('boots once, serves a CJS and an ESM file in two workers, survives a primary kill, leaves nothing', async () => {
    const dir = clusterTestDir();
    try {
      const project = join(dir.path, 'project');
      const clusters = join(dir.path, 'clusters');
      const reports = join(dir.path, 'reports');
      copyProject(PROJECT, project);
      linkModules(project, ['jest', '@jest/globals', 'mongodb']);
      mkdirSync(clusters);
      mkdirSync(reports);
      const run = new NodeRun(
        [
          '--experimental-vm-modules',
          join(project, 'node_modules', 'jest', 'bin', 'jest.js'),
          '--ci',
          '--no-watchman',
          `--cacheDirectory=${join(dir.path, 'jest-cache')}`,
          '--json',
          `--outputFile=${join(dir.path, 'results.json')}`,
        ],
        {
          cwd: project,
          env: childEnv({
            MONGO_TOPOLOGY_BIN_DIR: SIM_BIN_DIR,
            MONGO_TOPOLOGY_TMP_DIR: clusters,
            MT_REPORT_DIR: reports,
          }),
        },
      );
      const r = await run.result(100_000);
      expect(r.code, run.output).toBe(0);
      const results = JSON.parse(readFileSync(join(dir.path, 'results.json'), 'utf8'));
      expect(results.numPassedTestSuites).toBe(2);
      expect(results.numPassedTests).toBe(2);

      const writer = readReport(reports, 'writer');
      const failover = readReport(reports, 'failover');
      expect(writer.stateFile).toBe(failover.stateFile);
      expect(writer.ownerPid).toBe(run.child.pid);
      expect(new Set([writer.pid, failover.pid, run.child.pid]).size).toBe(3);
      expect(writer.nodes).toEqual(['rs0-0', 'rs0-1', 'rs0-2']);
      expect(writer.db).not.toBe(failover.db);
      // Each file's database was dropped after the file; the cluster's own remain (not vacuous).
      const databases: string[] = readReport(reports, 'databases');
      expect(databases).toContain('admin');
      expect(databases).not.toContain(writer.db);
      expect(databases).not.toContain(failover.db);
      // Whichever member was primary when the file asked (a loaded machine can see an election before).
      expect(['rs0-0', 'rs0-1', 'rs0-2']).toContain(failover.killed);
      expect(existsSync(writer.stateFile)).toBe(false);
      await expectCleanedUp(dir.path, clusters, 15_000);
    } finally {
      await dir.cleanup();
    }
  });

  it('the environment without a global setup fails the file with what to add', async () => {
    const dir = clusterTestDir();
    try {
      const project = join(dir.path, 'project');
      copyProject(PROJECT, project);
      linkModules(project, ['jest', '@jest/globals', 'mongodb']);
      const config = {
        rootDir: project,
        testEnvironment: 'mongo-topology/jest-environment',
        testMatch: ['<rootDir>/checks/writer.check.cjs'],
        transform: {},
      };
      const run = new NodeRun(
        [
          join(project, 'node_modules', 'jest', 'bin', 'jest.js'),
          '--ci',
          '--no-watchman',
          `--cacheDirectory=${join(dir.path, 'jest-cache')}`,
          '--config',
          JSON.stringify(config),
        ],
        { cwd: project, env: childEnv({ MONGO_TOPOLOGY_BIN_DIR: SIM_BIN_DIR }) },
      );
      const r = await run.result(60_000);
      expect(r.code, run.output).toBe(1);
      expect(r.stderr).toMatch(
        /mongo-topology\/jest-environment found no cluster for .*writer\.check\.cjs: add globalSetup: 'mongo-topology\/jest-global-setup'/,
      );
    } finally {
      await dir.cleanup();
    }
  });
});
