// examples/cli-exec-ci: the `exec` line of its ci.sh (the same command as its package.json script)
// runs against the simulated servers, word for word, with `npx mongo-topology` being the built CLI.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, CliProcess, CliTestDir, requireBuiltCli } from '../../helpers/cli.js';
import { ROOT } from '../../helpers/supervisor.js';

const EXAMPLE = join(ROOT, 'examples', 'cli-exec-ci');

let dir: CliTestDir | undefined;
beforeAll(requireBuiltCli);
afterEach(async () => {
  await dir?.cleanup();
  dir = undefined;
});

describe('examples/cli-exec-ci', { timeout: 120_000 }, () => {
  it('ci.sh runs check.mjs inside a 3-member replica set and passes its exit code', async () => {
    const script = readFileSync(join(EXAMPLE, 'ci.sh'), 'utf8');
    const line = script.split('\n').find((l) => l.startsWith('npx mongo-topology exec '))!;
    expect(line).toBeDefined();
    // Plain words only, so splitting on spaces is exactly what the shell does with it.
    expect(line).toMatch(/^[\w ./=-]+$/);
    const pkg = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8'));
    expect(pkg.scripts['test:db']).toBe(line.replace(/^npx /, ''));

    dir = new CliTestDir();
    const words = line.split(/\s+/).slice(2); // after `npx mongo-topology`
    const run = new CliProcess(process.execPath, [CLI, ...words], { cwd: EXAMPLE, env: dir.env() });
    const r = await run.result();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: replica set rs0 with 3 members at mongodb:\/\/127\.0\.0\.1:\d+,/);
    expect(r.stderr).toMatch(/node exited with 0; stopping mt-[0-9a-f]{6}/);

    // Without the cluster, the check fails: its exit code is what exec passes through.
    const bare = new CliProcess(process.execPath, [join(EXAMPLE, 'check.mjs')], { cwd: EXAMPLE, env: dir.env() });
    expect((await bare.result()).code).toBe(2);
  });
});
