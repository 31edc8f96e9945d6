// The README's example blocks are the files in examples/, byte for byte (scripts/readme-examples.mjs --write updates them).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncExamples } from '../../../scripts/readme-examples.mjs';
import { ROOT } from '../../helpers/supervisor.js';

describe('README example blocks', () => {
  it('match the example files', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const { blocks, stale } = syncExamples(readme, (p) => readFileSync(join(ROOT, p), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) expect(existsSync(join(ROOT, b)), b).toBe(true);
    expect(stale, 'run: node scripts/readme-examples.mjs --write').toEqual([]);
  });

  it('are found and rewritten by the script', () => {
    const readme = 'a\n<!-- example: x.ts -->\n```ts\nold\n```\n<!-- /example -->\nb\n';
    const { text, blocks, stale } = syncExamples(readme, () => 'new();\n');
    expect(blocks).toEqual(['x.ts']);
    expect(stale).toEqual(['x.ts']);
    expect(text).toBe('a\n<!-- example: x.ts -->\n```ts\nnew();\n```\n<!-- /example -->\nb\n');
    expect(syncExamples(text, () => 'new();\n').stale).toEqual([]);
  });
});
