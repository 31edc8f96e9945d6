import { describe, expect, it } from 'vitest';
import {
  describeSpan,
  describeSpec,
  isSupportedServerVersion,
  MIN_SERVER_VERSION,
  parseVersionSpec,
  specMayBeIn,
  tryParseVersionSpec,
  VERSION_KEYWORDS,
  versionInSpan,
  versionSatisfies,
} from '../../../src/common/version-spec.js';
import { TopologyConfigError } from '../../../src/errors.js';

const ACCEPTED =
  /use an exact version \(8\.0\.4\), a series \(8\.0 or 8\.0\.x\), a major \(8 or 8\.x\), a semver range/;

function thrown(fn: () => unknown): TopologyConfigError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TopologyConfigError);
  return err as TopologyConfigError;
}

describe('parseVersionSpec', () => {
  it.each([
    ['8.0.4', { kind: 'exact', version: '8.0.4' }],
    ['v8.0.4', { kind: 'exact', version: '8.0.4' }],
    ['V8.0.4', { kind: 'exact', version: '8.0.4' }],
    [' 7.0.14 ', { kind: 'exact', version: '7.0.14' }],
    ['8.0.0-rc9', { kind: 'exact', version: '8.0.0-rc9' }],
    ['4.4.0-rc1', { kind: 'exact', version: '4.4.0-rc1' }], // a 4.4 release candidate already logs JSON
    ['8.0', { kind: 'range', range: '8.0.x', productionOnly: false }],
    ['8.0.x', { kind: 'range', range: '8.0.x', productionOnly: false }],
    ['7.0.*', { kind: 'range', range: '7.0.x', productionOnly: false }],
    ['8', { kind: 'range', range: '8.x', productionOnly: true }],
    ['8.x', { kind: 'range', range: '8.x', productionOnly: true }],
    ['8.X', { kind: 'range', range: '8.x', productionOnly: true }],
    ['v8', { kind: 'range', range: '8.x', productionOnly: true }],
    ['>=7.0 <8.1', { kind: 'range', range: '>=7.0.0 <8.1.0-0', productionOnly: true }],
    ['~7.0', { kind: 'range', range: '>=7.0.0 <7.1.0-0', productionOnly: true }],
    ['7.0 || 8.0', { kind: 'range', range: '>=7.0.0 <7.1.0-0||>=8.0.0 <8.1.0-0', productionOnly: true }],
    ['>=4.0', { kind: 'range', range: '>=4.0.0', productionOnly: true }], // admits 4.4 and later
    ['latest', { kind: 'latest', channel: 'production' }],
    ['Latest', { kind: 'latest', channel: 'production' }],
    ['stable', { kind: 'latest', channel: 'production' }],
    ['*', { kind: 'latest', channel: 'production' }],
    ['rapid', { kind: 'latest', channel: 'rapid' }],
    ['continuous', { kind: 'latest', channel: 'rapid' }],
  ])('%j', (input, expected) => {
    const spec = parseVersionSpec(input);
    expect(spec).toEqual({ ...expected, raw: input });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(tryParseVersionSpec(input)).toEqual(spec);
  });

  it('knows exactly the keywords it documents', () => {
    expect(VERSION_KEYWORDS).toEqual(['stable', 'latest', '*', 'rapid', 'continuous']);
    for (const k of VERSION_KEYWORDS) expect(parseVersionSpec(k).kind).toBe('latest');
  });

  it.each([
    ['', /^must not be empty; /, ACCEPTED],
    ['eight', /^"eight" is neither a version, a semver range nor a channel name; /, ACCEPTED],
    ['1.2.3.4', /^"1.2.3.4" is neither a version/, ACCEPTED],
    [
      '8.0.4-enterprise',
      /^"8.0.4-enterprise": ask for enterprise builds with \{ enterprise: true \}/,
      /not an -enterprise suffix$/,
    ],
    ['8.0-latest', /^"8.0-latest": "-latest" builds are unpublished snapshots without a checksum/, /use a release$/],
    ['latest-alpha', /unpublished snapshots/, /use a release$/],
  ])('rejects %j with a config error saying what is wrong and what to do', (input, what, todo) => {
    const problem = (tryParseVersionSpec(input) as { problem: string }).problem;
    expect(problem).toMatch(what);
    expect(problem).toMatch(todo);
    const err = thrown(() => parseVersionSpec(input));
    expect(err.message.split('\n')[0]).toBe(`Invalid MongoDB version spec ${JSON.stringify(input)}`);
    expect(err.problems).toEqual([{ path: 'version', message: problem }]);
    expect(err.message).toContain(`  - version: ${problem}`);
  });
});

describe('the 4.4 floor', () => {
  it('is 4.4.0', () => {
    expect(MIN_SERVER_VERSION).toBe('4.4.0');
  });

  it.each(['4.2', '4.2.24', '4.2.x', '3.6', '3', '<4.4', '>=4.0 <4.4', '4.3.99', '4.0.0-rc1'])(
    'refuses %j, which admits only servers older than 4.4',
    (input) => {
      const problem = (tryParseVersionSpec(input) as { problem: string }).problem;
      expect(problem).toBe(
        `"${input}" asks only for servers older than 4.4.0, which mongo-topology does not support (it needs the JSON log 4.4.0 introduced); ask for 4.4.0 or later`,
      );
      expect(thrown(() => parseVersionSpec(input)).problems[0].message).toBe(problem);
    },
  );

  it.each(['4.4', '4.4.0', '4.4.29', '4.4.0-rc1', '4', '4.x', '>=4.0', '<4.4.1', '4.2 || 8.0'])(
    'accepts %j, which admits a 4.4+ server',
    (input) => {
      expect(tryParseVersionSpec(input)).not.toHaveProperty('problem');
    },
  );

  it.each([
    ['4.4.0', true],
    ['4.4.29', true],
    ['4.4.0-rc1', true], // counts as the release it precedes
    ['8.0.4', true],
    ['7.0.14-8', true],
    ['4.2.24', false],
    ['4.3.6', false],
    ['3.6.23', false],
    ['eight', false],
  ])('server %s is supported: %s', (version, expected) => {
    expect(isSupportedServerVersion(version)).toBe(expected);
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
    ['8.2.1', '>=7.0 <8.1', false],
    ['7.0.14-8', '7.0', true], // vendor build number, not a prerelease
    ['7.0.14-8', '7.0.14', true],
    ['7.0.14-8', '7.0.14-8', true], // asking for the vendor build itself
    ['8.0.0-rc9', '8.0', false], // a release candidate is not 8.0
    ['8.0.0-rc9', '8.0.0-rc9', true],
    ['4.4.29', '>=4.4 <5', true],
    ['not a version', '8.0', false],
  ])('%s against %j is %s', (version, spec, expected) => {
    expect(versionSatisfies(version, parseVersionSpec(spec))).toBe(expected);
  });

  it('cannot judge latest or rapid from a local binary', () => {
    expect(versionSatisfies('8.0.4', parseVersionSpec('latest'))).toBeUndefined();
    expect(versionSatisfies('8.0.4', parseVersionSpec('rapid'))).toBeUndefined();
  });
});

describe('describeSpec', () => {
  it('describes specs for messages', () => {
    expect(describeSpec(parseVersionSpec('8.0'))).toBe('8.0 (newest release in 8.0.x)');
    expect(describeSpec(parseVersionSpec('8'))).toBe('8 (newest production release in 8.x)');
    expect(describeSpec(parseVersionSpec('v8.0.4'))).toBe('8.0.4');
    expect(describeSpec(parseVersionSpec(' stable '))).toBe('stable (newest production release)');
    expect(describeSpec(parseVersionSpec('rapid'))).toBe('rapid (newest release, rapid releases included)');
  });
});

describe('version spans', () => {
  it('places exact versions in spans; pre-releases count as their release', () => {
    expect(versionInSpan('5.0.0', { since: '5.0' })).toBe(true);
    expect(versionInSpan('4.4.29', { since: '5.0' })).toBe(false);
    expect(versionInSpan('6.0.14', { until: '6.1' })).toBe(true);
    expect(versionInSpan('6.1.0-rc0', { until: '6.1' })).toBe(false);
    expect(versionInSpan('8.2.0-rc1', { since: '8.2' })).toBe(true);
  });

  it('asks whether a spec may fall in a span (any supported version for keywords)', () => {
    expect(specMayBeIn(parseVersionSpec('4.4'), { since: '5.0' })).toBe(false);
    expect(specMayBeIn(parseVersionSpec('>=4.4'), { since: '5.0' })).toBe(true);
    expect(specMayBeIn(parseVersionSpec('stable'), { since: '5.0' })).toBe(true);
    expect(specMayBeIn(undefined, { until: '4.4' })).toBe(false);
    expect(specMayBeIn(parseVersionSpec('latest'), { until: '4.4' })).toBe(false);
    expect(specMayBeIn(parseVersionSpec('6.0'), { until: '6.1' })).toBe(true);
    expect(specMayBeIn(parseVersionSpec('6.0'), { since: '6.1' })).toBe(false);
    expect(specMayBeIn(parseVersionSpec('8'), { since: '8.2' })).toBe(true);
  });

  it('judges an exact spec as the server version it names', () => {
    expect(specMayBeIn(parseVersionSpec('8.0.4'), { since: '8.0' })).toBe(true);
    expect(specMayBeIn(parseVersionSpec('7.0.14'), { since: '8.0' })).toBe(false);
    // a release candidate knows what its release knows
    expect(specMayBeIn(parseVersionSpec('8.0.0-rc9'), { since: '8.0' })).toBe(true);
    expect(specMayBeIn(parseVersionSpec('6.1.0-rc0'), { until: '6.1' })).toBe(false);
  });

  it('describes spans', () => {
    expect(describeSpan({ since: '5.0' })).toBe('5.0 and later');
    expect(describeSpan({ until: '6.1' })).toBe('versions before 6.1');
    expect(describeSpan({ since: '4.4', until: '6.1' })).toBe('4.4 up to (not including) 6.1');
    expect(describeSpan({})).toBe('every version');
  });
});
