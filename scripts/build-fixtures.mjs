// Bundles the simulated servers (fixtures/src/bin/*.ts) into one ESM file each under fixtures/dist/,
// so fixtures/bin/mongod and fixtures/bin/mongos start fast (one file to load, no TypeScript at run time).
import { build } from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'fixtures', 'src', 'bin');
const entries = existsSync(srcDir) ? readdirSync(srcDir).filter((f) => f.endsWith('.ts')) : [];
await Promise.all(
  entries.map((f) =>
    build({
      entryPoints: [join(srcDir, f)],
      outfile: join(root, 'fixtures', 'dist', `${basename(f, '.ts')}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
      // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
      banner: {
        js: "import { createRequire as __mtCreateRequire } from 'node:module'; const require = __mtCreateRequire(import.meta.url);",
      },
    }),
  ),
);
