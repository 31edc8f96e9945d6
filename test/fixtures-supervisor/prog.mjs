#!/usr/bin/env node
// A scriptable test program for supervisor tests (ours and the real supervisord run it alike).
// Each argument is one step, run in order:
//   print:TEXT        write TEXT and a newline to stdout      err:TEXT   same to stderr
//   lines:N:SIZE      write N numbered lines of SIZE bytes     json:ID    a MongoDB-style JSON log line with that id
//   sleep:MS          wait                                     exit:CODE  exit with CODE
//   ignore:SIG        ignore a signal (e.g. TERM)              fork       start a child in our process group that sleeps
//   listen:PORT       listen on 127.0.0.1:PORT                 env        print {argv, cwd, env, umask, uid, gid, ppid} as JSON
//   pidfile:PATH      write our pid to PATH                   forever    stay alive until signalled
//   stdin             wait for one line on stdin                --         stop reading steps (the rest are plain arguments)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setInterval, clearInterval } from 'node:timers';

const args = process.argv.slice(2);
const steps = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
const keep = setInterval(() => {}, 1 << 30);
const out = (s) => process.stdout.write(s);
for (const step of steps) {
  const i = step.indexOf(':');
  const op = i === -1 ? step : step.slice(0, i);
  const arg = i === -1 ? '' : step.slice(i + 1);
  switch (op) {
    case 'print':
      out(`${arg}\n`);
      break;
    case 'err':
      process.stderr.write(`${arg}\n`);
      break;
    case 'lines': {
      const [n, size] = arg.split(':').map(Number);
      for (let k = 0; k < n; k++) {
        const head = `line ${k} `;
        out(`${head}${'x'.repeat(Math.max(0, size - head.length - 1))}\n`);
      }
      break;
    }
    case 'json':
      out(
        `${JSON.stringify({ t: { $date: new Date().toISOString() }, s: 'I', c: 'NETWORK', id: Number(arg.split(':')[0]), ctx: 'listener', msg: 'Waiting for connections', attr: { port: Number(arg.split(':')[1] ?? 27017), ssl: 'off' } })}\n`,
      );
      break;
    case 'sleep':
      await new Promise((r) => setTimeout(r, Number(arg)));
      break;
    case 'exit':
      process.exit(Number(arg));
      break;
    case 'ignore':
      process.on(`SIG${arg}`, () => out(`ignoring SIG${arg}\n`));
      break;
    case 'fork': {
      const child = spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
      out(`forked ${child.pid}\n`);
      break;
    }
    case 'listen':
      await new Promise((r) => createServer((s) => s.end()).listen(Number(arg), '127.0.0.1', r));
      out(`listening ${arg}\n`);
      break;
    case 'env':
      out(
        `${JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, umask: process.umask(), uid: process.getuid(), gid: process.getgid(), ppid: process.ppid })}\n`,
      );
      break;
    case 'pidfile':
      writeFileSync(arg, String(process.pid));
      break;
    case 'forever':
      break;
    case 'stdin':
      await new Promise((r) => {
        const onData = (c) => {
          if (c.includes(10)) {
            process.stdin.off('data', onData);
            process.stdin.pause();
            r();
          }
        };
        process.stdin.on('data', onData);
        process.stdin.resume();
      });
      break;
    default:
      process.stderr.write(`prog.mjs: unknown step ${step}\n`);
      process.exit(64);
  }
}
if (!steps.includes('forever')) {
  clearInterval(keep);
}
