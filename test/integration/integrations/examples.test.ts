// examples/ are run as a user runs them, against the simulator: each is copied into a temp dir
// whose node_modules holds `mongo-topology` (linked to this repository, as `npm i file:../..`
// would) and the examples' other dependencies. First every example is type-checked against the
// built package (its `exports` and .d.ts files, JavaScript test files included), then each runs
// with its own command. The temp dir is the marker of every process the examples start.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_BIN_DIR, clusterTestDir, expectCleanedUp } from '../../helpers/cluster.js';
import { childEnv, copyProject, linkModules, runNode } from '../../helpers/project.js';
import { ROOT, type TestDir } from '../../helpers/supervisor.js';

const EXAMPLES = join(ROOT, 'examples');
/** The examples this suite runs (the CLI one is run by the CLI's tests). */
const NAMES = ['vitest-global-setup', 'vitest-fixture', 'jest-environment', 'programmatic'] as const;

describe('examples', { timeout: 120_000 }, () => {
  let dir: TestDir;
  let clusters: string;
  let env: NodeJS.ProcessEnv;
  const at = (name: string, ...rest: string[]) => join(dir.path, name, ...rest);
  const bin = (...rest: string[]) => join(dir.path, 'node_modules', ...rest);

  beforeAll(() => {
    dir = clusterTestDir();
    clusters = join(dir.path, 'clusters');
    mkdirSync(clusters);
    for (const name of NAMES) copyProject(join(EXAMPLES, name), at(name));
    linkModules(dir.path, ['vitest', 'mongodb', 'jest', '@jest/globals', 'typescript', '@types/node']);
    env = childEnv({ MONGO_TOPOLOGY_BIN_DIR: SIM_BIN_DIR, MONGO_TOPOLOGY_TMP_DIR: clusters });
  });

  afterAll(async () => {
    try {
      await expectCleanedUp(dir.path, clusters, 15_000);
    } finally {
      await dir.cleanup();
    }
  });

  it('every example directory is covered here or by the CLI tests', () => {
    const present = readdirSync(EXAMPLES).filter((n) => n !== 'cli-exec-ci'); // run by test/integration/cli
    expect(present.sort()).toEqual([...NAMES].sort());
  });

  it('type-check against the built package', async () => {
    writeFileSync(
      join(dir.path, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          allowJs: true,
          checkJs: true,
          types: ['node'],
        },
        include: NAMES.filter((n) => n !== 'programmatic'),
      }),
    );
    await runNode([bin('typescript', 'bin', 'tsc'), '-p', join(dir.path, 'tsconfig.json')], {
      cwd: dir.path,
      env,
      timeoutMs: 90_000,
    });
  });

  it('programmatic: builds with its tsconfig and runs with await using', async () => {
    await runNode([bin('typescript', 'bin', 'tsc'), '-p', at('programmatic')], {
      cwd: at('programmatic'),
      env,
      timeoutMs: 90_000,
    });
    const r = await runNode([join('dist', 'main.js')], { cwd: at('programmatic'), env, timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/^rs0-0: pid \d+ -> \d+, new primary elected: true$/m);
    expect(r.stdout).toMatch(/^users: 1$/m);
  });

  it('programmatic: the fault-hook recipes run as the README shows them', async () => {
    const r = await runNode([join('dist', 'fault-hooks.js')], { cwd: at('programmatic'), env, timeoutMs: 90_000 });
    expect(r.stdout).toMatch(/^stepped down rs0-\d, new primary rs0-\d$/m);
    expect(r.stdout).toMatch(/^rs0-\d back as SECONDARY$/m);
    expect(r.stdout).toMatch(/^respawned in \d+ ms, ready in \d+ ms$/m);
    expect(r.stdout).toMatch(/^orders: 1$/m);
  });

  it('vitest-global-setup: vitest run', async () => {
    const r = await runNode([bin('vitest', 'vitest.mjs'), 'run'], {
      cwd: at('vitest-global-setup'),
      env,
      timeoutMs: 90_000,
    });
    expect(r.stdout).toMatch(/Test Files\s+2 passed/);
    expect(r.stdout).toMatch(/Tests\s+3 passed/);
  });

  it('vitest-fixture: vitest run', async () => {
    const r = await runNode([bin('vitest', 'vitest.mjs'), 'run'], {
      cwd: at('vitest-fixture'),
      env,
      timeoutMs: 90_000,
    });
    expect(r.stdout).toMatch(/Test Files\s+1 passed/);
    expect(r.stdout).toMatch(/Tests\s+2 passed/);
  });

  it('jest-environment: jest, CommonJS and ES module test files', async () => {
    const r = await runNode(
      [
        '--experimental-vm-modules',
        bin('jest', 'bin', 'jest.js'),
        '--ci',
        '--no-watchman',
        `--cacheDirectory=${join(dir.path, 'jest-cache')}`,
      ],
      { cwd: at('jest-environment'), env, timeoutMs: 90_000 },
    );
    expect(r.stderr).toMatch(/Tests:\s+2 passed, 2 total/);
  });
});
