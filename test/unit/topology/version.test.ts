import { describe, expect, it } from 'vitest';
import {
  describeSpan,
  parseVersionSpec,
  specMayBeIn,
  versionInSpan,
  type VersionSpec,
} from '../../../src/topology/version.js';

const spec = (raw: string) => parseVersionSpec(raw) as VersionSpec;

describe('version specs', () => {
  it('accepts versions, series, majors, ranges and keywords', () => {
    expect(parseVersionSpec('8.0.4')).toEqual({ raw: '8.0.4', range: '8.0.4' });
    expect(parseVersionSpec('v8.0.4')).toEqual({ raw: 'v8.0.4', range: '8.0.4' });
    expect(parseVersionSpec('8.0')).toEqual({ raw: '8.0', range: '>=8.0.0 <8.1.0-0' });
    expect(parseVersionSpec('7.0.x')).toEqual({ raw: '7.0.x', range: '>=7.0.0 <7.1.0-0' });
    expect(parseVersionSpec('8')).toEqual({ raw: '8', range: '>=8.0.0 <9.0.0-0' });
    expect(parseVersionSpec('>=7.0 <8.1')).toEqual({ raw: '>=7.0 <8.1', range: '>=7.0.0 <8.1.0-0' });
    for (const k of ['stable', 'latest', '*', 'rapid', 'continuous']) {
      expect(parseVersionSpec(k)).toEqual({ raw: k, keyword: k });
    }
    expect(parseVersionSpec('Latest')).toEqual({ raw: 'Latest', keyword: 'latest' });
  });

  it('rejects what is not a version, versions before 4.4, suffixes and snapshot builds', () => {
    expect(parseVersionSpec('')).toEqual({ problem: 'version must not be empty' });
    expect(parseVersionSpec('eight')).toEqual({
      problem:
        '"eight" is not a version, a release series or a semver range (examples: "8.0.4", "8.0", ">=7.0 <8.1", "stable")',
    });
    expect(parseVersionSpec('4.2')).toEqual({
      problem: '"4.2" asks for servers older than 4.4.0, which mongo-topology does not support',
    });
    expect(parseVersionSpec('8.0.4-enterprise')).toEqual({
      problem: '"8.0.4-enterprise": ask for enterprise builds with .version(spec, { enterprise: true }), not a suffix',
    });
    expect((parseVersionSpec('8.0-latest') as { problem: string }).problem).toMatch(/unpublished snapshots/);
    expect('problem' in parseVersionSpec('>=4.0')).toBe(false);
  });

  it('places exact versions in spans; pre-releases count as their release', () => {
    expect(versionInSpan('5.0.0', { since: '5.0' })).toBe(true);
    expect(versionInSpan('4.4.29', { since: '5.0' })).toBe(false);
    expect(versionInSpan('6.0.14', { until: '6.1' })).toBe(true);
    expect(versionInSpan('6.1.0-rc0', { until: '6.1' })).toBe(false);
    expect(versionInSpan('8.2.0-rc1', { since: '8.2' })).toBe(true);
  });

  it('asks whether a spec may fall in a span (any supported version for keywords)', () => {
    expect(specMayBeIn(spec('4.4'), { since: '5.0' })).toBe(false);
    expect(specMayBeIn(spec('>=4.4'), { since: '5.0' })).toBe(true);
    expect(specMayBeIn(spec('stable'), { since: '5.0' })).toBe(true);
    expect(specMayBeIn(undefined, { until: '4.4' })).toBe(false);
    expect(specMayBeIn(spec('6.0'), { until: '6.1' })).toBe(true);
  });

  it('describes spans', () => {
    expect(describeSpan({ since: '5.0' })).toBe('5.0 and later');
    expect(describeSpan({ until: '6.1' })).toBe('versions before 6.1');
    expect(describeSpan({ since: '4.4', until: '6.1' })).toBe('4.4 up to (not including) 6.1');
    expect(describeSpan({})).toBe('every version');
  });
});
