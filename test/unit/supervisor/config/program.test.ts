import { describe, expect, it } from 'vitest';
import { TopologyConfigError } from '../../../../src/errors.js';
import { parseSupervisorConfig } from '../../../../src/supervisor/config/load.js';
import { programToProcessConfigs } from '../../../../src/supervisor/config/program.js';
import { renderIni, type ProgramSpec } from '../../../../src/supervisor/config/render.js';

function viaIni(spec: ProgramSpec) {
  const c = parseSupervisorConfig(renderIni({ supervisord: {}, programs: [spec] }), {
    file: '/virtual/s.ini',
    skipFilesystemChecks: true,
    env: {},
  });
  return c.groups[0].processes;
}

describe('programToProcessConfigs gives what the INI loader gives for the same program', () => {
  it.each<ProgramSpec>([
    { name: 'minimal', command: ['/bin/cat'] },
    {
      name: 'full',
      command: ['/opt/bin/mongod', '--port', '27017', 'a b'],
      numprocs: 3,
      numprocsStart: 1,
      processName: '%(program_name)s-%(process_num)02d',
      directory: '/tmp',
      umask: 0o27,
      priority: 5,
      autostart: false,
      autorestart: true,
      startsecs: 0,
      startretries: 9,
      exitcodes: [0, 12],
      stopsignal: 'INT',
      stopwaitsecs: 3,
      stopasgroup: true,
      redirectStderr: true,
      stdoutLogfile: '/tmp/x.log',
      stdoutLogfileMaxbytes: 1024,
      stdoutLogfileBackups: 2,
      stdoutEventsEnabled: true,
      environment: { A: 'b c', D: '50%' },
      serverurl: 'http://127.0.0.1:1',
      ready: { kind: 'log-id', id: 23016, attr: { port: 27017 } },
      readyTimeoutSecs: 5,
      extensions: { x_note: 'n' },
    },
    { name: 'nolog', command: ['/bin/true'], stdoutLogfile: null, stderrLogfile: null, stopsignal: 9, user: 'root' },
  ])('$name', (spec) => {
    const direct = programToProcessConfigs(spec);
    const loaded = viaIni(spec);
    // The INI carries x_ keys as written; the typed fields must agree.
    expect(direct.map(({ extensions: _e, ...rest }) => rest)).toEqual(
      loaded.map(({ extensions: _e, ...rest }) => rest),
    );
  });

  it('rejects what supervisord rejects, listing each problem', () => {
    let err: unknown;
    try {
      programToProcessConfigs({
        name: 'bad',
        command: [],
        numprocs: 2,
        exitcodes: [256],
        stopsignal: 'NOPE',
        stopasgroup: true,
        killasgroup: false,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TopologyConfigError);
    expect((err as TopologyConfigError).problems.map((p) => p.path)).toEqual([
      '[program:bad] command',
      '[program:bad] process_name',
      '[program:bad] killasgroup',
      '[program:bad] exitcodes',
      '[program:bad] stopsignal',
    ]);
  });
});
