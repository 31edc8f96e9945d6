// Bundles the simulated servers (fixtures/src/bin/*.ts) into ESM under fixtures/dist/ (one entry file
// per server, e.g. fixtures/dist/mongod.mjs), so fixtures/bin/mongod and fixtures/bin/mongos start
// fast (no TypeScript at run time). Code splitting keeps lazily imported modules (mingo, yaml) in
// separate chunks that are only loaded when a query or a config file needs them.
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'fixtures', 'src', 'bin');
const outDir = join(root, 'fixtures', 'dist');
const entries = existsSync(srcDir) ? readdirSync(srcDir).filter((f) => f.endsWith('.ts')) : [];
rmSync(outDir, { recursive: true, force: true });
if (entries.length > 0) {
  await build({
    entryPoints: entries.map((f) => join(srcDir, f)),
    outdir: outDir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Less source to compile at every start; identifiers stay readable and the source map maps back.
    minifyWhitespace: true,
    minifySyntax: true,
    // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __mtCreateRequire } from 'node:module'; const require = __mtCreateRequire(import.meta.url);",
    },
  });
}
