import { Script, createContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ClusterEvents, type ClusterEvent } from '../../../src/cluster/events.js';
import { reaperEnabled } from '../../../src/cluster/reaper.js';
import { reaperMain } from '../../../src/cluster/reaper-process.js';

describe('cluster events', () => {
  it('stamps each event and delivers it to the option listener, typed listeners and * listeners', () => {
    const seen: string[] = [];
    const ev = new ClusterEvents((e) => seen.push(`opt:${e.type}`));
    const offTyped = ev.on('nodeReady', (e) => seen.push(`typed:${e.node}`));
    ev.on('*', (e: ClusterEvent) => seen.push(`all:${e.type}`));
    ev.on('nodeReady', () => {
      throw new Error('a listener that throws is ignored');
    });
    const e = ev.emit({ type: 'nodeReady', node: 'rs0-0', address: 'h:1', pid: 1, elapsedMs: 5 });
    expect(e.time).toBeGreaterThan(0);
    offTyped();
    ev.emit({ type: 'stopping' });
    expect(seen).toEqual(['opt:nodeReady', 'typed:rs0-0', 'all:nodeReady', 'opt:stopping', 'all:stopping']);
  });
});

describe('reaper', () => {
  it('is on unless the option or MONGO_TOPOLOGY_REAPER turns it off', () => {
    expect(reaperEnabled(undefined, {})).toBe(true);
    for (const v of ['false', '0', 'off', 'NO', ' False '])
      expect(reaperEnabled(undefined, { MONGO_TOPOLOGY_REAPER: v })).toBe(false);
    expect(reaperEnabled(undefined, { MONGO_TOPOLOGY_REAPER: 'true' })).toBe(true);
    expect(reaperEnabled(true, { MONGO_TOPOLOGY_REAPER: 'false' })).toBe(true);
    expect(reaperEnabled(false, {})).toBe(false);
  });

  it('is self-contained source: it compiles on its own and names no outer binding', () => {
    const src = reaperMain.toString();
    // Evaluated in an empty context: a reference to anything outside the function would still compile,
    // so also look for the helpers a bundler or test transform could inject.
    const fn: unknown = new Script(`(${src})`).runInContext(createContext({}));
    expect(typeof fn).toBe('function');
    expect(src).not.toMatch(/\b(import|__vite|__name)\b/);
  });
});
