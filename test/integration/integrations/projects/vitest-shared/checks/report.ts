// Lets the test that ran this project see what each file saw: one JSON file per test file in $MT_REPORT_DIR.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function report(name: string, data: Record<string, unknown>): void {
  const dir = process.env.MT_REPORT_DIR;
  if (!dir) throw new Error('MT_REPORT_DIR is not set');
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ pid: process.pid, ...data }));
}

/** In the "hang" mode the test waits (until its runner is killed) once it has reported. */
export const hang = process.env.MT_HANG === '1';
