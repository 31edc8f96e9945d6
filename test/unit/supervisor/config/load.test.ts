import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopologyConfigError } from '../../../../src/errors.js';
import { loadSupervisorConfig, parseSupervisorConfig } from '../../../../src/supervisor/config/load.js';
import { AUTO_LOG } from '../../../../src/supervisor/config/model.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-sup-load-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const env = { HOME: '/home/u', PATH: '/usr/bin:/bin', TOKEN: 'tk' };

function load(text: string) {
  return loadSupervisorConfig(write('supervisord.conf', text), { env });
}

function configError(fn: () => unknown): TopologyConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TopologyConfigError) return e;
    throw e;
  }
  throw new Error('expected a TopologyConfigError');
}

describe('loadSupervisorConfig', () => {
  it('applies supervisord defaults to a minimal program', () => {
    const c = load('[supervisord]\n[program:cat]\ncommand=/bin/cat\n');
    expect(c.groups).toHaveLength(1);
    const p = c.groups[0].processes[0];
    expect(p).toMatchObject({
      name: 'cat',
      group: 'cat',
      command: '/bin/cat',
      priority: 999,
      autostart: true,
      autorestart: 'unexpected',
      startsecs: 1,
      startretries: 3,
      exitcodes: [0],
      stopsignal: 15,
      stopwaitsecs: 10,
      stopasgroup: false,
      killasgroup: false,
      redirectStderr: false,
      stdoutLogfile: AUTO_LOG,
      stdoutLogfileMaxbytes: 50 * 1024 * 1024,
      stdoutLogfileBackups: 10,
      stderrLogfile: AUTO_LOG,
      directory: null,
      umask: null,
      user: null,
      serverurl: null,
      ready: null,
      dependsOn: [],
    });
    expect(c.supervisord).toMatchObject({
      identifier: 'supervisor',
      loglevel: 'info',
      umask: 0o22,
      nodaemon: false,
      logfileMaxbytes: 52428800,
    });
    expect(c.rpcinterfaces).toEqual([]);
  });

  it('reads units, booleans, signals and octal values in every accepted spelling', () => {
    const c = load(
      [
        '[supervisord]',
        'logfile_maxbytes = 1kb',
        '[program:x]',
        'Command: /bin/x',
        'STOPSIGNAL=sigint',
        'autostart=Off',
        'autorestart=TRUE',
        'stdout_logfile_maxbytes=2GB',
        'stderr_logfile_maxbytes=512',
        'umask=0o27',
        'exitcodes=0, 2,3',
        'startsecs= 1_0 ',
        'stopasgroup=yes',
      ].join('\n'),
    );
    const p = c.groups[0].processes[0];
    expect(c.supervisord.logfileMaxbytes).toBe(1024);
    expect(p).toMatchObject({
      command: '/bin/x',
      stopsignal: 2,
      autostart: false,
      autorestart: true,
      stdoutLogfileMaxbytes: 2 * 1024 ** 3,
      stderrLogfileMaxbytes: 512,
      umask: 0o27,
      exitcodes: [0, 2, 3],
      startsecs: 10,
      stopasgroup: true,
      killasgroup: true,
    });
  });

  it('expands %(here)s per file, %(program_name)s, %(process_num)d, %(ENV_X)s and %%', () => {
    write('conf.d/b.ini', '[program:b]\ncommand=%(here)s/run-b --token=%(ENV_TOKEN)s --pct=50%%\n');
    write(
      'conf.d/a.ini',
      '[program:a]\ncommand=/bin/a %(program_name)s\nnumprocs=2\nnumprocs_start=9\nprocess_name=%(program_name)s_%(process_num)02d\nstdout_logfile=%(here)s/%(process_num)d.log\n',
    );
    write('conf.d/.hidden.ini', '[program:hidden]\ncommand=/bin/hidden\n');
    const c = load('[supervisord]\nchildlogdir=%(here)s\n[include]\nfiles = conf.d/*.ini nothing/*.conf\n');
    expect(c.groups.map((g) => g.name)).toEqual(['a', 'b']);
    expect(c.groups[0].processes.map((p) => [p.name, p.command, p.stdoutLogfile])).toEqual([
      ['a_09', '/bin/a a', join(dir, 'conf.d', '9.log')],
      ['a_10', '/bin/a a', join(dir, 'conf.d', '10.log')],
    ]);
    expect(c.groups[1].processes[0].command).toBe(`${join(dir, 'conf.d')}/run-b --token=tk --pct=50%`);
    expect(c.supervisord.childlogdir).toBe(dir);
    expect(c.files).toEqual([join(dir, 'supervisord.conf'), join(dir, 'conf.d/a.ini'), join(dir, 'conf.d/b.ini')]);
    expect(c.warnings).toContain(`No file matches via include "${join(dir, 'nothing/*.conf')}"`);
  });

  it('merges [supervisord] environment under the program environment, and program env feeds later expansions', () => {
    const c = load(
      '[supervisord]\nenvironment=A="from sup",B=sup\n[program:p]\nenvironment=B="prog, with comma",C=%(ENV_A)s\ncommand=/bin/p %(ENV_B)s\n',
    );
    const p = c.groups[0].processes[0];
    expect(p.environment).toEqual({ A: 'from sup', B: 'prog, with comma', C: 'from' });
    // ENV_B is the program's own value (quotes stripped) for keys read after the environment.
    expect(p.command).toBe('/bin/p prog, with comma');
  });

  it('expands stdout_logfile twice and [supervisord] environment twice, as 4.2.5 does', () => {
    mkdirSync(join(dir, 'logs%x'));
    const c = load(
      `[supervisord]\nenvironment=X="a%%%%b"\n[program:p]\ncommand=/bin/p\nstdout_logfile=${dir}/logs%%%%x/p.log\n`,
    );
    expect(c.groups[0].processes[0].stdoutLogfile).toBe(`${dir}/logs%x/p.log`);
    expect(c.supervisord.environment).toEqual({ X: 'a%b' });
    const err = configError(() => load(`[supervisord]\n[program:p]\ncommand=/bin/p\nstdout_logfile=${dir}/a%%b.log\n`));
    expect(err.message).toContain('badly formatted');
  });

  it('moves programs listed in [group:x] into that group', () => {
    const c = load(
      '[supervisord]\n[group:shards]\nprograms=s2,s1\npriority=200\n[program:s1]\ncommand=/bin/s1\npriority=5\n[program:s2]\ncommand=/bin/s2\n[program:cfg]\ncommand=/bin/cfg\npriority=100\n',
    );
    expect(c.groups.map((g) => [g.name, g.priority, g.processes.map((p) => `${p.group}:${p.name}`)])).toEqual([
      ['cfg', 100, ['cfg:cfg']],
      // Listed order is kept inside a heterogeneous group (supervisord does not re-sort it).
      ['shards', 200, ['shards:s2', 'shards:s1']],
    ]);
  });

  it('reads x_ extension keys into readiness and dependencies', () => {
    const c = load(
      [
        '[supervisord]',
        '[program:cfg]',
        'command=/bin/cfg',
        'x_ready=log-id:23016:{"port":27019}',
        'x_ready_timeout=30',
        '[program:mongos]',
        'command=/bin/mongos',
        'x_ready=tcp://127.0.0.1:27017',
        'x_depends_on=cfg, shard',
        'x_note=hello %(program_name)s',
        '[program:shard]',
        'command=/bin/shard',
        'x_ready=log:Waiting for connections',
        '[program:probe]',
        'command=/bin/probe',
        "x_ready=exec:/bin/check --host 'a b'",
      ].join('\n'),
    );
    const byName = Object.fromEntries(c.groups.flatMap((g) => g.processes).map((p) => [p.name, p]));
    expect(byName.cfg.ready).toEqual({ kind: 'log-id', id: 23016, attr: { port: 27019 } });
    expect(byName.cfg.readyTimeoutSecs).toBe(30);
    expect(byName.mongos.ready).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27017 });
    expect(byName.mongos.dependsOn).toEqual(['cfg', 'shard']);
    expect(byName.mongos.extensions.x_note).toBe('hello mongos');
    expect(byName.shard.ready).toEqual({ kind: 'log', pattern: 'Waiting for connections' });
    expect(byName.probe.ready).toEqual({ kind: 'command', argv: ['/bin/check', '--host', 'a b'] });
  });

  it('reads servers and [supervisorctl]', () => {
    const c = load(
      '[supervisord]\n[inet_http_server]\nport=127.0.0.1:9001\nusername=u\npassword={SHA}abc\n[unix_http_server]\nfile=%(here)s/s.sock\n[supervisorctl]\nserverurl=http://127.0.0.1:9001\nusername=u\npassword=p\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n',
    );
    expect(c.servers).toEqual([
      { kind: 'inet', host: '127.0.0.1', port: 9001, username: 'u', password: '{SHA}abc' },
      { kind: 'unix', file: join(dir, 's.sock'), chmod: 0o700, chown: null, username: null, password: null },
    ]);
    expect(c.supervisorctl).toMatchObject({
      serverurl: 'http://127.0.0.1:9001',
      username: 'u',
      password: 'p',
      prompt: 'supervisor',
    });
    expect(c.rpcinterfaces).toEqual(['supervisor']);
  });

  it('ignores unknown keys and unknown sections, like supervisord', () => {
    const c = load(
      '[supervisord]\nfrobnicate=1\n[x-fixture:meta]\nowner=me\n[program:p]\ncommand=/bin/p\ndepends_on=whatever\n',
    );
    expect(c.groups[0].processes[0].name).toBe('p');
  });

  describe('errors name the file, line, section and key', () => {
    it.each([
      ['[supervisord]\n[program:p]\ncommand=/bin/p\nautostart=maybe\n', 4, "not a valid boolean value: 'maybe'"],
      [
        '[supervisord]\n[program:p]\ncommand=/bin/p\nstdout_logfile_maxbytes=50M\n',
        4,
        "invalid literal for int() with base 10: '50m'",
      ],
      ['[supervisord]\n[program:p]\ncommand=/bin/p %(nope)s\n', 3, "contains names ('nope') which cannot be expanded"],
      ['[supervisord]\n[program:p]\ncommand=/bin/p\nstopsignal=WHAT\n', 4, "value 'WHAT' is not a valid signal name"],
      ['[supervisord]\n[program:p]\ncommand=/bin/p\nexitcodes=0,256\n', 4, 'not a valid list of exit codes'],
      [
        '[supervisord]\n[program:p]\ncommand=/bin/p\nstopasgroup=true\nkillasgroup=false\n',
        5,
        'Cannot set stopasgroup=true and killasgroup=false',
      ],
      [
        '[supervisord]\n[program:p]\ncommand=/bin/p\nnumprocs=2\n',
        2,
        '%(process_num) must be present within process_name',
      ],
      ['[supervisord]\n[program:p]\ncommand=/bin/p\nenvironment=A=a=b\n', 4, 'Unexpected end of key/value pairs'],
      ['[supervisord]\n[program:p]\ncommand=/bin/p\nx_depends_on=q\n', 4, "names unknown program or group 'q'"],
      ['[supervisord]\n[program:p]\ncommand=/bin/p\nx_ready=udp://x\n', 4, 'x_ready must be'],
      ['[supervisord]\n[program:p]\ncommand=/bin/p\nuser=no-such-user-xyz\n', 4, 'Invalid user name no-such-user-xyz'],
      ['[supervisord]\n[inet_http_server]\nport=127.0.0.1:0\n', 3, '0 is below lower bound (1)'],
      ['[supervisord]\n[inet_http_server]\nport=9001\nusername=u\n', 2, 'incomplete authentication'],
      ['[supervisord]\n[group:g]\nprograms=missing\n', 3, '[group:g] names unknown program missing'],
    ])('%j', (text, line, message) => {
      const err = configError(() => load(text));
      expect(err.problems[0].path).toBe(`${join(dir, 'supervisord.conf')}:${line}`);
      expect(err.message).toContain(message);
    });

    it('rejects dependency cycles', () => {
      const err = configError(() =>
        load('[supervisord]\n[program:a]\ncommand=/a\nx_depends_on=b\n[program:b]\ncommand=/b\nx_depends_on=a\n'),
      );
      expect(err.message).toMatch(/dependency cycle: (a -> b -> a|b -> a -> b)/);
    });

    it('rejects a file without [supervisord] and event listeners', () => {
      expect(configError(() => load('[program:p]\ncommand=/bin/p\n')).message).toContain('no [supervisord] section');
      expect(
        configError(() => load('[supervisord]\n[eventlistener:e]\ncommand=/bin/e\nevents=TICK_5\n')).message,
      ).toContain('not supported');
    });

    it('reports a missing command with the section location', () => {
      const err = configError(() => load('[supervisord]\n\n[program:p]\nautostart=false\n'));
      expect(err.problems[0]).toEqual({
        path: `${join(dir, 'supervisord.conf')}:3`,
        message: 'program section program:p does not specify a command',
      });
    });
  });

  it('parseSupervisorConfig can validate text for another machine without touching its filesystem', () => {
    const c = parseSupervisorConfig('[supervisord]\nlogfile=/nonexistent/dir/s.log\n', {
      file: '/nonexistent/dir/s.ini',
      skipFilesystemChecks: true,
    });
    expect(c.supervisord.logfile).toBe('/nonexistent/dir/s.log');
    expect(() => parseSupervisorConfig('[supervisord]\nlogfile=/nonexistent/dir/s.log\n')).toThrow(/does not exist/);
  });
});
