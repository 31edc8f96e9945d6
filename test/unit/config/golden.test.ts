// Golden files: exactly what mongo-topology writes for three topologies. Run with UPDATE_GOLDEN=1 to
// rewrite them after an intended change, then review the diff.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../../src/config/render.js';
import { GOLDEN_BINARIES, GOLDEN_CASES, GOLDEN_SERVER_VERSION, goldenClusterDir, goldenPlan } from './golden-cases.js';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p).map((f) => join(name, f)) : [name];
  });
}

describe('golden files', () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.name}: every generated file matches its golden file`, async () => {
      const p = await goldenPlan(c);
      const rendered = renderCluster(p, { serverVersion: GOLDEN_SERVER_VERSION, binaries: GOLDEN_BINARIES });
      const files = new Map(rendered.files.map((f) => [relative(goldenClusterDir(c), f.path), f.contents]));
      const caseDir = join(GOLDEN_DIR, c.name);
      if (update) {
        rmSync(caseDir, { recursive: true, force: true });
        for (const [rel, contents] of files) {
          mkdirSync(dirname(join(caseDir, rel)), { recursive: true });
          writeFileSync(join(caseDir, rel), contents);
        }
      }
      expect(listFiles(caseDir).sort()).toEqual([...files.keys()].sort());
      for (const [rel, contents] of files) {
        expect(contents, rel).toBe(readFileSync(join(caseDir, rel), 'utf8'));
      }
    });
  }
});
