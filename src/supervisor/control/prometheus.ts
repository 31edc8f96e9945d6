// Prometheus text exposition (format 0.0.4) of the supervisor and its processes.

import type { ProcessMetrics } from './types.js';

function esc(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly value: (m: ProcessMetrics) => number | undefined;
}

const FAMILIES: readonly Family[] = [
  {
    name: 'supervisor_process_state',
    type: 'gauge',
    help: 'Process state code (supervisord numbering: STOPPED=0 STARTING=10 RUNNING=20 BACKOFF=30 STOPPING=40 EXITED=100 FATAL=200 UNKNOWN=1000).',
    value: (m) => m.stateCode,
  },
  {
    name: 'supervisor_process_up',
    type: 'gauge',
    help: '1 when the process is RUNNING.',
    value: (m) => (m.state === 'RUNNING' ? 1 : 0),
  },
  {
    name: 'supervisor_process_ready',
    type: 'gauge',
    help: '1 when the current incarnation passed its readiness check.',
    value: (m) => (m.ready ? 1 : 0),
  },
  {
    name: 'supervisor_process_uptime_seconds',
    type: 'gauge',
    help: 'Seconds since the current incarnation was spawned (0 when not running).',
    value: (m) => m.uptimeMs / 1000,
  },
  {
    name: 'supervisor_process_spawns_total',
    type: 'counter',
    help: 'Times the process was spawned.',
    value: (m) => m.spawnCount,
  },
  {
    name: 'supervisor_process_restarts_total',
    type: 'counter',
    help: 'Automatic respawns (autorestart after an exit, retries after BACKOFF).',
    value: (m) => m.restartCount,
  },
  {
    name: 'supervisor_process_exit_status',
    type: 'gauge',
    help: 'Exit status of the last exit (-1 for a signal).',
    value: (m) => m.exitStatus ?? undefined,
  },
  {
    name: 'supervisor_process_cpu_seconds_total',
    type: 'counter',
    help: 'User and system CPU time of the current incarnation.',
    value: (m) => m.cpuSeconds,
  },
  {
    name: 'supervisor_process_resident_memory_bytes',
    type: 'gauge',
    help: 'Resident set size.',
    value: (m) => m.rssBytes,
  },
  { name: 'supervisor_process_open_fds', type: 'gauge', help: 'Open file descriptors.', value: (m) => m.openFds },
  { name: 'supervisor_process_threads', type: 'gauge', help: 'Threads.', value: (m) => m.threads },
];

/** Renders the exposition text for `/metrics`. */
export function renderPrometheus(
  supervisorUp: boolean,
  identifier: string,
  metrics: readonly ProcessMetrics[],
): string {
  const out: string[] = [
    '# HELP supervisor_up 1 while the supervisor is running, 0 while it shuts down or restarts.',
    '# TYPE supervisor_up gauge',
    `supervisor_up{identifier="${esc(identifier)}"} ${supervisorUp ? 1 : 0}`,
  ];
  for (const f of FAMILIES) {
    const rows = metrics.map((m) => [m, f.value(m)] as const).filter(([, v]) => v !== undefined && Number.isFinite(v));
    if (rows.length === 0) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const [m, v] of rows) out.push(`${f.name}{name="${esc(m.name)}",group="${esc(m.group)}"} ${v}`);
  }
  return `${out.join('\n')}\n`;
}
