// A deterministic PortSource for tests that must not depend on which ports are free: hands out
// consecutive ports from `first` and records what was reserved and released.

import type { PortSource } from '../../src/topology/ports.js';

export class FakePorts implements PortSource {
  next: number;
  readonly held = new Set<number>();
  readonly released: number[] = [];
  /** Fixed ports `reserve()` refuses, as if something listened on them. */
  readonly busy = new Set<number>();

  constructor(first = 40000) {
    this.next = first;
  }

  async allocate(): Promise<number> {
    while (this.held.has(this.next) || this.busy.has(this.next)) this.next++;
    const port = this.next++;
    this.held.add(port);
    return port;
  }

  async reserve(port: number): Promise<void> {
    if (this.busy.has(port) || this.held.has(port)) throw new Error(`port ${port} is in use`);
    this.held.add(port);
  }

  async release(port: number): Promise<void> {
    if (this.held.delete(port)) this.released.push(port);
  }
}

/** A seeded stand-in for crypto.randomBytes: the same bytes for the same seed and call order. */
export function seededRandomBytes(seed = 1): (size: number) => Buffer {
  let state = seed >>> 0 || 1;
  return (size: number) => {
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i++) {
      // xorshift32: deterministic, good enough for test secrets.
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      out[i] = state & 0xff;
    }
    return out;
  };
}
