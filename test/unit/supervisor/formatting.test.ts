import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../../src/supervisor/control/prometheus.js';
import { formatTimedelta } from '../../../src/supervisor/supervisor.js';

describe('supervisord description formatting', () => {
  it.each([
    [0, '0:00:00'],
    [62, '0:01:02'],
    [43205, '12:00:05'],
    [86405, '1 day, 0:00:05'],
    [273906, '3 days, 4:05:06'],
    [-5, '0:00:00'],
  ])('timedelta(%d) = %s', (s, expected) => {
    expect(formatTimedelta(s)).toBe(expected);
  });
});

describe('Prometheus exposition', () => {
  it('renders families with HELP/TYPE and escaped labels, skipping unknown values', () => {
    const text = renderPrometheus(true, 'id"1', [
      {
        name: 'g:p',
        group: 'g',
        state: 'RUNNING',
        stateCode: 20,
        pid: 5,
        ready: true,
        uptimeMs: 1500,
        spawnCount: 2,
        restartCount: 1,
        exitStatus: null,
        cpuSeconds: 0.25,
        rssBytes: 1024,
        openFds: 7,
        threads: 3,
      },
      {
        name: 'q',
        group: 'q',
        state: 'STOPPED',
        stateCode: 0,
        pid: 0,
        ready: false,
        uptimeMs: 0,
        spawnCount: 0,
        restartCount: 0,
        exitStatus: 0,
      },
    ]);
    expect(text).toContain('supervisor_up{identifier="id\\"1"} 1\n');
    expect(text).toContain(
      '# TYPE supervisor_process_restarts_total counter\nsupervisor_process_restarts_total{name="g:p",group="g"} 1\nsupervisor_process_restarts_total{name="q",group="q"} 0\n',
    );
    expect(text).toContain('supervisor_process_state{name="g:p",group="g"} 20\n');
    expect(text).toContain('supervisor_process_uptime_seconds{name="g:p",group="g"} 1.5\n');
    expect(text).toContain('supervisor_process_resident_memory_bytes{name="g:p",group="g"} 1024\n');
    expect(text).not.toContain('supervisor_process_resident_memory_bytes{name="q"');
    expect(text).toContain('supervisor_process_exit_status{name="q",group="q"} 0\n');
    expect(text.endsWith('\n')).toBe(true);
  });
});
