import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopologyConfigError } from '../../../../src/errors.js';
import { loadSupervisorConfig, parseSupervisorConfig } from '../../../../src/supervisor/config/load.js';
import { shlexSplit } from '../../../../src/supervisor/config/shlex.js';
import { renderIni, type IniFileSpec, type ProgramSpec } from '../../../../src/supervisor/config/render.js';
import { clusterSpec } from './golden/cluster-spec.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-sup-render-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function renderError(spec: IniFileSpec): TopologyConfigError {
  try {
    renderIni(spec);
  } catch (e) {
    if (e instanceof TopologyConfigError) return e;
    throw e;
  }
  throw new Error('expected renderIni to throw');
}

function roundTrip(program: Omit<ProgramSpec, 'name'>) {
  const text = renderIni({ supervisord: {}, programs: [{ name: 'p', ...program }] });
  const file = join(dir, 'rt.ini');
  writeFileSync(file, text);
  return { text, process: loadSupervisorConfig(file, { env: {} }).groups[0].processes[0] };
}

describe('renderIni', () => {
  it('writes the golden cluster file', () => {
    const golden = readFileSync(new URL('./golden/cluster.ini', import.meta.url), 'utf8');
    expect(renderIni(clusterSpec)).toBe(golden);
  });

  it('the golden file reads back to the values it was rendered from', () => {
    const c = parseSupervisorConfig(renderIni(clusterSpec), {
      file: '/tmp/mt-cluster/supervisor.ini',
      skipFilesystemChecks: true,
      env: {},
    });
    expect(c.groups.map((g) => [g.name, g.priority, g.processes.map((p) => p.name)])).toEqual([
      ['config', 100, ['cfg-0']],
      ['routers', 300, ['mongos-0']],
    ]);
    const cfg = c.groups[0].processes[0];
    expect(cfg).toMatchObject({
      command: '/opt/mongo/bin/mongod --config /tmp/mt-cluster/conf/cfg-0/mongod.conf',
      autostart: false,
      stopsignal: 2,
      stopwaitsecs: 30,
      killasgroup: true,
      stdoutLogfile: '/tmp/mt-cluster/logs/cfg-0.log',
      stderrLogfile: null,
      environment: { TZ: 'UTC', MONGO_NOTE: 'a b,c=d' },
      ready: { kind: 'log-id', id: 23016 },
      readyTimeoutSecs: 60,
    });
    expect(c.groups[1].processes[0].dependsOn).toEqual(['cfg-0']);
    expect(c.servers).toEqual([{ kind: 'inet', host: '127.0.0.1', port: 41234, username: 'mt', password: 's3cret' }]);
    expect(c.rpcinterfaces).toEqual(['supervisor']);
  });

  it.each([
    ['spaces and quotes', ['/bin/echo', 'a b', "it's", 'say "hi"', '']],
    ['comment characters', ['/bin/echo', 'a ;b', '#x', 'c;d', 'e #f', ';', '# ;']],
    ['percent signs and backslashes', ['/bin/date', '+%s', '100%', 'a\\b', '\\', '%(here)s']],
    ['unicode and tabs', ['/bin/echo', 'héllo wörld', 'tab\there']],
  ])('round-trips command arguments with %s', (_name, argv) => {
    const { text, process } = roundTrip({ command: argv });
    expect(text).not.toMatch(/\s[;#]/);
    expect(shlexSplit(process.command)).toEqual(argv);
  });

  it('round-trips environment values, log paths with %, signals and sizes', () => {
    const env = {
      A: 'a b',
      B: 'x,y=z',
      C: "it's",
      D: 'say "hi" there',
      E: '50%',
      F: 'back\\slash',
      G: '',
      H: '#notacomment',
    };
    const { process } = roundTrip({
      command: ['/bin/true'],
      environment: env,
      stdoutLogfile: join(dir, 'odd%name.log'),
      stopsignal: 9,
      stdoutLogfileMaxbytes: 1536,
      umask: 0o27,
      exitcodes: [0, 3],
      autorestart: false,
    });
    expect(process.environment).toEqual(env);
    expect(process.stdoutLogfile).toBe(join(dir, 'odd%name.log'));
    expect(process).toMatchObject({
      stopsignal: 9,
      stdoutLogfileMaxbytes: 1536,
      umask: 0o27,
      exitcodes: [0, 3],
      autorestart: false,
    });
  });

  it.each<[string, IniFileSpec, string]>([
    ['a newline in an argument', { programs: [{ name: 'p', command: ['/bin/echo', 'a\nb'] }] }, 'line break'],
    [
      'an env value that starts with a quote',
      { programs: [{ name: 'p', command: ['/x'], environment: { A: '"q' } }] },
      'quote character',
    ],
    [
      'an env value with both quote kinds',
      { programs: [{ name: 'p', command: ['/x'], environment: { A: `a'b"c` } }] },
      'no way to escape',
    ],
    ['a % in [supervisord] environment', { supervisord: { environment: { A: '5%' } } }, "contains '%'"],
    [
      'an env value with a comment hazard',
      { programs: [{ name: 'p', command: ['/x'], environment: { A: 'a ;b' } }] },
      "whitespace followed by ';'",
    ],
    [
      'a bad env name',
      { programs: [{ name: 'p', command: ['/x'], environment: { 'A-B': '1' } }] },
      'environment variable name',
    ],
    ['a name with a colon', { programs: [{ name: 'a:b', command: ['/x'] }] }, 'may only contain'],
    ['an empty command', { programs: [{ name: 'p', command: [] }] }, 'command is empty'],
    [
      'an unparseable command string',
      { programs: [{ name: 'p', command: '/bin/echo "open' }] },
      'No closing quotation',
    ],
    ['port 0', { inetHttpServer: { host: '127.0.0.1', port: 0 } }, 'below lower bound'],
    ['a bare port', { inetHttpServer: { host: '', port: 9001 } }, 'host is required'],
    ['a username without password', { inetHttpServer: { host: '127.0.0.1', port: 9001, username: 'u' } }, 'together'],
    ['exit code 300', { programs: [{ name: 'p', command: ['/x'], exitcodes: [300] }] }, '0..255'],
    [
      'stopasgroup without killasgroup',
      { programs: [{ name: 'p', command: ['/x'], stopasgroup: true, killasgroup: false }] },
      'killasgroup',
    ],
    ['a keyword as log path', { programs: [{ name: 'p', command: ['/x'], stdoutLogfile: 'none' }] }, 'keyword'],
    [
      'an unknown signal',
      { programs: [{ name: 'p', command: ['/x'], stopsignal: 'NOPE' }] },
      'not a valid signal name',
    ],
    ['numprocs without process_num', { programs: [{ name: 'p', command: ['/x'], numprocs: 2 }] }, 'process_num'],
    [
      'a non-x extension key',
      { programs: [{ name: 'p', command: ['/x'], extensions: { depends_on: 'a' } }] },
      'x_[a-z0-9_]+',
    ],
    ['a non-x extra section', { extraSections: [{ name: 'meta', values: {} }] }, "start with 'x-'"],
    [
      'a log readiness check with flags',
      { programs: [{ name: 'p', command: ['/x'], ready: { kind: 'log', pattern: 'a', flags: 'i' } }] },
      'use the API',
    ],
  ])('rejects %s with a typed error naming section and key', (_name, spec, message) => {
    const err = renderError(spec);
    expect(err.message).toContain(message);
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.problems[0].path).toMatch(/^\[/);
  });

  it('lists every problem at once', () => {
    const err = renderError({ programs: [{ name: 'p q', command: [], startsecs: -1 }] });
    expect(err.problems.map((p) => p.path)).toEqual([
      '[program:p q] (name)',
      '[program:p q] command',
      '[program:p q] startsecs',
    ]);
  });
});
