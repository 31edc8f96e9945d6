// Child process for the cross-process port test: plans a sharded cluster with its own PortAllocator
// (sharing the lock directory given in argv), prints the ports it holds as one JSON line, holds them
// until its stdin closes, then releases them and exits.

import { cluster } from '../../../src/index.js';
import { plan, releasePlanPorts } from '../../../src/topology/plan.js';
import { PortAllocator } from '../../../src/topology/ports.js';

async function main(): Promise<void> {
  const [lockDir, clusterDir, rangeArg] = process.argv.slice(2);
  const range = rangeArg ? (JSON.parse(rangeArg) as { min: number; max: number }) : undefined;
  const ports = new PortAllocator({ lockDir: lockDir, ...(range ? { range, maxAttempts: 2000 } : {}) });
  const p = await plan(cluster().shards(2).replicaSet(3).configServers(3).mongos(2), {
    clusterDir: clusterDir,
    ports,
  });
  process.stdout.write(`${JSON.stringify([...p.nodes.map((n) => n.port), p.supervisor.port])}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await releasePlanPorts(p, { ports });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
