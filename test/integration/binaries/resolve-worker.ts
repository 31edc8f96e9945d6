// One resolving process for the concurrency test: resolves with the options in argv[2] (cache dir and
// mirror come from its environment), and prints every event and then the result as NDJSON on stdout.

import { resolveBinaries, type ResolveBinariesOptions } from '../../../src/binaries/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ResolveBinariesOptions;
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
try {
  // Only PATH is masked (this machine's PATH must not decide); MONGO_TOPOLOGY_* come from the real env.
  const result = await resolveBinaries({
    ...options,
    env: { ...process.env, PATH: '' },
    onEvent: (event) => print({ event }),
  });
  print({ result });
} catch (e) {
  print({ error: { message: (e as Error).message, code: (e as { code?: string }).code } });
  process.exitCode = 1;
}
