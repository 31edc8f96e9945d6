import { describe, expect, it } from 'vitest';
import { parseVersionOutput } from '../../../src/binaries/version-check.js';
import * as out from './version-outputs.js';

describe('parseVersionOutput', () => {
  it.each([
    ['4.4 mongod (enterprise)', out.MONGOD_4_4, 'mongod', '4.4.8', true, 'rhel70'],
    ['4.4 mongos', out.MONGOS_4_4, 'mongos', '4.4.1', false, undefined],
    ['6.0 mongod', out.MONGOD_6_0, 'mongod', '6.0.4', false, undefined],
    ['6.0 mongos', out.MONGOS_6_0, 'mongos', '6.0.4', false, undefined],
    ['7.0 mongod', out.MONGOD_7_0, 'mongod', '7.0.12', false, 'ubuntu2204'],
    ['7.0 mongos', out.MONGOS_7_0, 'mongos', '7.0.12', false, 'ubuntu2204'],
    ['8.0 mongod', out.MONGOD_8_0, 'mongod', '8.0.4', false, 'ubuntu2404'],
    ['8.0 mongos (enterprise)', out.MONGOS_8_0_ENTERPRISE, 'mongos', '8.0.0', true, undefined],
    ['8.2 mongod after a log line', out.MONGOD_8_2, 'mongod', '8.2.3', false, 'debian12'],
    ['4.2 mongos (legacy text)', out.MONGOS_4_2, 'mongos', '4.2.9', false, undefined],
  ])('%s', (_name, stdout, program, version, enterprise, distmod) => {
    const v = parseVersionOutput(stdout);
    expect(v).toMatchObject({ program, version, enterprise });
    expect(v.buildInfo.version).toBe(version);
    expect(v.buildInfo.environment.distmod).toBe(distmod);
  });

  it('keeps every Build Info field', () => {
    expect(parseVersionOutput(out.MONGOD_8_0).buildInfo).toEqual({
      version: '8.0.4',
      gitVersion: 'bc35ab4305d9920d9d0491c1c9ef9b72383d31f9',
      openSSLVersion: 'OpenSSL 3.0.13 30 Jan 2024',
      modules: [],
      allocator: 'tcmalloc-google',
      environment: { distmod: 'ubuntu2404', distarch: 'x86_64', target_arch: 'x86_64' },
    });
    expect(parseVersionOutput(out.MONGOS_4_2).buildInfo).toMatchObject({
      gitVersion: '06402114114ffc5146fd4b55402c96f1dc9ec4b5',
      allocator: 'tcmalloc',
      modules: [],
      environment: { distarch: 'aarch64', target_arch: 'aarch64' },
    });
  });

  it('rejects output that is not MongoDB', () => {
    expect(() => parseVersionOutput('v20.19.0\n')).toThrow(/no "db version v…" or "mongos version v…" line/);
    expect(() => parseVersionOutput('db version v8.0.4\nBuild Info: {\n    "version": "8.0.4",\n')).toThrow(
      /not complete JSON/,
    );
  });
});
