// Connections: a client whose first connect failed (the driver then closes its topology) is
// replaced, so waits keep polling a node that is still starting instead of failing the boot.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Connections } from '../../../src/cluster/connections.js';
import type { ClusterLayout, NodeLayout } from '../../../src/cluster/layout.js';
import { NotYet } from '../../../src/cluster/watch.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('Connections', () => {
  it('replaces a client the driver closed after a failed first connect; every attempt stays "not yet"', async () => {
    const port = await closedPort();
    const node = { name: 'rs0-0', binary: 'mongod', address: `127.0.0.1:${port}`, arbiter: false } as NodeLayout;
    const conns = new Connections(() => ({ nodes: [node] }) as unknown as ClusterLayout);
    try {
      const first = conns.client(node, 'none');
      const attempts: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        attempts.push(
          await conns.attempt(node, { ping: 1 }, { timeoutMs: 1_000, as: 'none' }).catch((e: unknown) => e),
        );
      }
      expect(attempts.every((e) => e instanceof NotYet)).toBe(true);
      expect(conns.client(node, 'none')).not.toBe(first);
    } finally {
      await conns.close();
    }
    expect(() => conns.client(node, 'none')).toThrow(/closed/);
  });
});
