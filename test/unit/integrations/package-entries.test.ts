// The package's entry points: the root never reaches vitest or jest (they are optional peers, so a
// user without them must be able to import the root), and every `exports` entry names a source
// module that exists, with types.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/supervisor.js';

/** Bare specifiers reachable from `entry` through relative imports (static and dynamic). */
function externalImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const found = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
    )) {
      const spec = m[1] ?? m[2];
      if (/^\s*(?:import|export)\s+type\s/.test(m[0])) continue;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else found.add(spec);
    }
  };
  walk(entry);
  return found;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('package entry points', () => {
  it('the root imports neither vitest nor jest', () => {
    const imports = [...externalImports(join(ROOT, 'src', 'index.ts'))];
    expect(imports.filter((s) => /^(vitest|jest|@jest\/|jest-|@vitest\/)/.test(s))).toEqual([]);
    expect(imports).toContain('mongodb');
  });

  it('the test-runner entries reach their runner', () => {
    expect(externalImports(join(ROOT, 'src/integrations/vitest/index.ts'))).toContain('vitest');
    expect(externalImports(join(ROOT, 'src/integrations/jest/environment.ts'))).toContain('jest-environment-node');
  });

  it('every export has types and a module built from src/, and its runner is an optional peer', () => {
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, any>)) {
      if (subpath === './package.json') continue;
      expect(Object.keys(target), subpath).toEqual(['types', 'default']);
      const source = join(ROOT, 'src', relative('dist', target.default).replace(/\.js$/, '.ts'));
      expect(existsSync(source), `${subpath} → ${source}`).toBe(true);
      expect(target.types, subpath).toBe(target.default.replace(/\.js$/, '.d.ts'));
    }
    for (const peer of ['vitest', 'jest', 'jest-environment-node']) {
      expect(pkg.peerDependencies[peer], peer).toBeDefined();
      expect(pkg.peerDependenciesMeta[peer], peer).toEqual({ optional: true });
    }
    expect(pkg.peerDependencies.vitest).toBe('^4 || ^5');
  });
});
