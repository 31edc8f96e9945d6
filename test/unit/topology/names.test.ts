import { describe, expect, it } from 'vitest';
import { nameProblem, nodeName, shardName } from '../../../src/topology/names.js';

describe('names', () => {
  it('nodes are <prefix>-<index>, shards shard<index>', () => {
    expect(nodeName('rs0', 1)).toBe('rs0-1');
    expect(shardName(1)).toBe('shard1');
    expect(nodeName(shardName(1), 0)).toBe('shard1-0');
  });

  it('accepts letters, digits, _ and -, starting with a letter, up to 48 characters', () => {
    expect(nameProblem('rs0', 'replica set name')).toBeUndefined();
    expect(nameProblem('my_set-2', 'replica set name')).toBeUndefined();
    expect(nameProblem('a'.repeat(48), 'x')).toBeUndefined();
    for (const bad of ['', '0rs', 'a.b', 'a b', 'a:b', 'a/b', 'é', 'a'.repeat(49), '-a']) {
      expect(nameProblem(bad, 'replica set name')).toMatch(/must start with a letter/);
    }
    expect(nameProblem(5, 'replica set name')).toBe('replica set name must be a string');
  });

  it('reserves the names MongoDB gives a meaning to, except where they are harmless', () => {
    expect(nameProblem('config', 'shard name')).toBe('shard name "config" is reserved by MongoDB');
    expect(nameProblem('admin', 'shard name')).toMatch(/reserved/);
    expect(nameProblem('config', 'cluster name', { allowReserved: true })).toBeUndefined();
  });
});
