// README code blocks that show an example file are copied from examples/, never written twice.
// A block is fenced by `<!-- example: <path> -->` and `<!-- /example -->`; this script rewrites
// each block from its file (`--write`), or checks that none is stale (the default; exit 1).
// test/unit/docs/readme-examples.test.ts runs the check in the test suite.
import { readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LANG = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.sh': 'sh',
};
const BLOCK = /<!-- example: (\S+) -->\n[\s\S]*?<!-- \/example -->/g;

/**
 * Rewrites every example block of `readme` from `read(path)`.
 * @param {string} readme
 * @param {(path: string) => string} read
 * @returns {{ text: string, blocks: string[], stale: string[] }}
 */
export function syncExamples(readme, read) {
  const blocks = [];
  const stale = [];
  const text = readme.replace(BLOCK, (whole, path) => {
    blocks.push(path);
    const body = read(path).replace(/\n+$/, '');
    const next = `<!-- example: ${path} -->\n\`\`\`${LANG[extname(path)] ?? ''}\n${body}\n\`\`\`\n<!-- /example -->`;
    if (next !== whole) stale.push(path);
    return next;
  });
  return { text, blocks, stale };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const file = join(root, 'README.md');
  const { text, stale } = syncExamples(readFileSync(file, 'utf8'), (p) => readFileSync(join(root, p), 'utf8'));
  if (process.argv.includes('--write')) {
    writeFileSync(file, text);
    console.log(stale.length ? `updated: ${stale.join(', ')}` : 'README examples are up to date');
  } else if (stale.length) {
    console.error(
      `README blocks differ from their example files: ${stale.join(', ')}\nRun: node scripts/readme-examples.mjs --write`,
    );
    process.exit(1);
  }
}
