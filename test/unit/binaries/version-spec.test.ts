import { describe, expect, it } from 'vitest';
import { describeSpec, parseVersionSpec, versionSatisfies } from '../../../src/binaries/version-spec.js';
import { TopologyConfigError } from '../../../src/errors.js';

describe('parseVersionSpec', () => {
  it.each([
    ['8.0.4', { kind: 'exact', version: '8.0.4' }],
    ['v8.0.4', { kind: 'exact', version: '8.0.4' }],
    [' 7.0.14 ', { kind: 'exact', version: '7.0.14' }],
    ['8.0.0-rc9', { kind: 'exact', version: '8.0.0-rc9' }],
    ['8.0', { kind: 'range', range: '8.0.x', productionOnly: false }],
    ['8.0.x', { kind: 'range', range: '8.0.x', productionOnly: false }],
    ['7.0.*', { kind: 'range', range: '7.0.x', productionOnly: false }],
    ['8', { kind: 'range', range: '8.x', productionOnly: true }],
    ['8.x', { kind: 'range', range: '8.x', productionOnly: true }],
    ['>=7.0 <8.1', { kind: 'range', range: '>=7.0.0 <8.1.0-0', productionOnly: true }],
    ['latest', { kind: 'latest', channel: 'production' }],
    ['stable', { kind: 'latest', channel: 'production' }],
    ['*', { kind: 'latest', channel: 'production' }],
    ['rapid', { kind: 'latest', channel: 'rapid' }],
    ['continuous', { kind: 'latest', channel: 'rapid' }],
  ])('%j', (input, expected) => {
    expect(parseVersionSpec(input)).toMatchObject({ ...expected, raw: input });
  });

  it.each([
    ['', /empty/],
    ['eight', /neither a version/],
    ['8.0.4-enterprise', /enterprise: true/],
    ['8.0-latest', /unpublished snapshots/],
    ['latest-alpha', /unpublished snapshots/],
  ])('rejects %j with a config error saying what is accepted', (input, why) => {
    let err: unknown;
    try {
      parseVersionSpec(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TopologyConfigError);
    expect((err as TopologyConfigError).message).toMatch(why);
    expect((err as TopologyConfigError).problems[0]?.message).toMatch(/exact version \(8\.0\.4\), a series/);
  });
});

describe('versionSatisfies', () => {
  it.each([
    ['8.0.4', '8.0', true],
    ['8.0.4', '8.0.4', true],
    ['8.0.4', 'v8.0.4', true],
    ['8.0.3', '8.0.4', false],
    ['7.0.14', '8.0', false],
    ['8.2.1', '8', true],
    ['7.0.14-8', '7.0', true], // vendor build number, not a prerelease
    ['7.0.14-8', '7.0.14', true],
    ['8.0.0-rc9', '8.0', false], // a release candidate is not 8.0
    ['8.0.0-rc9', '8.0.0-rc9', true],
    ['4.4.29', '>=4.4 <5', true],
  ])('%s against %j is %s', (version, spec, expected) => {
    expect(versionSatisfies(version, parseVersionSpec(spec))).toBe(expected);
  });

  it('cannot judge latest or rapid from a local binary', () => {
    expect(versionSatisfies('8.0.4', parseVersionSpec('latest'))).toBeUndefined();
    expect(versionSatisfies('8.0.4', parseVersionSpec('rapid'))).toBeUndefined();
  });

  it('describes specs for messages', () => {
    expect(describeSpec(parseVersionSpec('8.0'))).toBe('8.0 (newest release in 8.0.x)');
    expect(describeSpec(parseVersionSpec('8'))).toBe('8 (newest production release in 8.x)');
    expect(describeSpec(parseVersionSpec('v8.0.4'))).toBe('8.0.4');
  });
});
