// Adds lockfile entries for optional platform packages that the registry mirror does not serve,
// so `npm ci` sees a complete lock; they are skipped on this platform anyway.
import { readFileSync, writeFileSync } from 'node:fs';
const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pk = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pk)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pk[key] || pk[`${path}/node_modules/${dep}`]) continue;
    const n = dep.split('/').pop();
    const os = [
      'android',
      'darwin',
      'freebsd',
      'linux',
      'openharmony',
      'win32',
      'netbsd',
      'openbsd',
      'sunos',
      'aix',
    ].find((o) => n.includes(o));
    const cpu = ['arm64', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'arm', 'wasm32'].find((c) =>
      n.includes(`-${c}`),
    );
    const entry = { version, dev: meta.dev, optional: true };
    if (cpu) entry.cpu = [cpu];
    if (os) entry.os = [os];
    if (n.includes('musl')) entry.libc = ['musl'];
    else if (n.includes('gnu') && os === 'linux') entry.libc = ['glibc'];
    pk[key] = entry;
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} entries`);
