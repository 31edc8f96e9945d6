import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessStartError } from '../../../src/errors.js';
import { defaultPortRange, isPortFree, PortAllocator } from '../../../src/topology/ports.js';

let dir: string;
const servers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-ports-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

async function listen(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const locks = () => readdirSync(join(dir, 'ports')).sort();

describe('PortAllocator', () => {
  it('hands out distinct free ports, locks each, and removes the locks on release', async () => {
    const ports = new PortAllocator({ lockDir: join(dir, 'ports') });
    const got = await Promise.all(Array.from({ length: 12 }, () => ports.allocate()));
    expect(new Set(got).size).toBe(12);
    for (const p of got) {
      expect(p).toBeGreaterThanOrEqual(1024);
      expect([27017, 27018, 27019, 27020]).not.toContain(p);
      expect(await isPortFree(p)).toBe(true);
    }
    expect(ports.held).toEqual([...got].sort((a, b) => a - b));
    expect(locks()).toEqual(got.map((p) => `${p}.lock`).sort());
    await ports.release(got[0]);
    expect(locks()).not.toContain(`${got[0]}.lock`);
    await ports.releaseAll();
    expect(locks()).toEqual([]);
    expect(ports.held).toEqual([]);
  });

  it('never hands out a port another allocator holds, even in a range of a few ports', async () => {
    const range = await freeRange(6);
    const a = new PortAllocator({ lockDir: join(dir, 'ports'), range, maxAttempts: 500 });
    const b = new PortAllocator({ lockDir: join(dir, 'ports'), range, maxAttempts: 500 });
    const got = await Promise.all([a.allocate(), b.allocate(), a.allocate(), b.allocate(), a.allocate(), b.allocate()]);
    expect(new Set(got).size).toBe(6);
    const err = await a.allocate().catch((e) => e);
    expect(err).toBeInstanceOf(ProcessStartError);
    expect((err as ProcessStartError).code).toBe('MT_NO_FREE_PORT');
    await a.releaseAll();
    await b.releaseAll();
  });

  it('skips ports something listens on', async () => {
    const busy = await listen();
    const ports = new PortAllocator({ lockDir: join(dir, 'ports'), range: { min: busy, max: busy }, maxAttempts: 5 });
    await expect(ports.allocate()).rejects.toBeInstanceOf(ProcessStartError);
    expect(locks()).toEqual([]);
  });

  it('reserve() takes a fixed port, and refuses one in use or held elsewhere', async () => {
    const free = await freeRange(1);
    const a = new PortAllocator({ lockDir: join(dir, 'ports') });
    const b = new PortAllocator({ lockDir: join(dir, 'ports') });
    await a.reserve(free.min);
    await a.reserve(free.min); // idempotent for the holder
    const held = await b.reserve(free.min).catch((e) => e);
    expect(held).toBeInstanceOf(ProcessStartError);
    expect((held as ProcessStartError).port).toBe(free.min);
    const busy = await listen();
    await expect(a.reserve(busy)).rejects.toThrow(`Port ${busy} on 127.0.0.1 is in use or reserved by another cluster`);
    await a.releaseAll();
  });

  it('takes over a stale lock left by a dead process', async () => {
    const { min } = await freeRange(1);
    mkdirSync(join(dir, 'ports', `${min}.lock`), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'ports', `${min}.lock`), old, old);
    const ports = new PortAllocator({
      lockDir: join(dir, 'ports'),
      range: { min, max: min },
      staleMs: 5_000,
      maxAttempts: 3,
    });
    expect(await ports.allocate()).toBe(min);
    await ports.releaseAll();
  });

  it('respects a fresh lock (another live allocator)', async () => {
    const { min } = await freeRange(1);
    mkdirSync(join(dir, 'ports', `${min}.lock`), { recursive: true });
    const ports = new PortAllocator({ lockDir: join(dir, 'ports'), range: { min, max: min }, maxAttempts: 3 });
    await expect(ports.allocate()).rejects.toBeInstanceOf(ProcessStartError);
  });

  it('can let the OS pick, and works with await using', async () => {
    let held: readonly number[] = [];
    {
      await using ports = new PortAllocator({ lockDir: join(dir, 'ports'), range: 'os' });
      await ports.allocate();
      await ports.allocate();
      held = ports.held;
      expect(held).toHaveLength(2);
    }
    expect(locks()).toEqual([]);
  });

  it('validates its range', () => {
    expect(() => new PortAllocator({ range: { min: 80, max: 90 } })).toThrow(RangeError);
    expect(() => new PortAllocator({ range: { min: 5000, max: 4000 } })).toThrow(RangeError);
  });

  it('defaults to ports below the OS ephemeral range on Linux', () => {
    const range = defaultPortRange();
    if (range === 'os') return;
    expect(range.min).toBe(10_000);
    expect(range.max).toBeLessThan(32768 + 1);
  });
});

/**
 * A range of `n` consecutive ports that are free now, found by letting the OS pick one and checking
 * the ones after it (no fixed ports in tests).
 */
async function freeRange(n: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await listen();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    if (base + n > 65535) continue;
    let ok = true;
    for (let p = base; p < base + n && ok; p++) ok = await isPortFree(p);
    if (ok) return { min: base, max: base + n - 1 };
  }
  throw new Error('no free port range');
}
