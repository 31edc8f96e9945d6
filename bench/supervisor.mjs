#!/usr/bin/env node
// Benchmark (not a test): our supervisor daemon vs the real supervisord 4.2.5 on the same INI, on its
// own (bench/run.mjs runs the same measurement interleaved with the rest). Respawn latency over N
// SIGKILLs and RSS of the supervisor with P programs.
// Needs `npm run build` first (it runs dist/). Usage: node bench/supervisor.mjs [--kills 40] [--programs 50] [--json]

import { formatKib, formatMs, summarize } from './lib/stats.mjs';
import { hasSupervisord, memory, respawnLatency } from './lib/supervisor.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const KILLS = arg('kills', 40);
const PROGRAMS = arg('programs', 50);

const kinds = hasSupervisord() ? ['ours', 'supervisord'] : ['ours'];
const results = {};
for (const kind of kinds) {
  results[kind] = { latencyMs: summarize(await respawnLatency(kind, KILLS)), ...(await memory(kind, PROGRAMS)) };
}
if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
else {
  for (const [kind, r] of Object.entries(results)) {
    const l = r.latencyMs;
    console.log(
      `${kind.padEnd(12)} respawn median ${formatMs(l.median)}  p10 ${formatMs(l.p10)}  p90 ${formatMs(l.p90)}  (min ${formatMs(l.min)}, max ${formatMs(l.max)}, n=${l.n})   RSS with ${PROGRAMS} programs ${formatKib(r.rssKib)}, all RUNNING after ${formatMs(r.startMs)}`,
    );
  }
  if (results.supervisord)
    console.log(
      `median ratio ours/supervisord: ${(results.ours.latencyMs.median / results.supervisord.latencyMs.median).toFixed(3)}`,
    );
  else console.log('supervisord not installed: no comparison');
}
