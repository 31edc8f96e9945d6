#!/usr/bin/env node
// A supervisord event listener (events.rst protocol) that appends every event it receives to the
// file named by its first argument, one JSON line each: {time, eventname, payload}. Used only by
// conformance tests to record the real supervisord's state sequences.
import { Buffer } from 'node:buffer';
import { appendFileSync } from 'node:fs';

const file = process.argv[2];
let buf = Buffer.alloc(0);
let want = -1;
let header = '';
process.stdout.write('READY\n');
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    if (want < 0) {
      const nl = buf.indexOf(10);
      if (nl === -1) return;
      header = buf.subarray(0, nl).toString();
      buf = buf.subarray(nl + 1);
      want = Number(/len:(\d+)/.exec(header)[1]);
    }
    if (buf.length < want) return;
    const payload = buf.subarray(0, want).toString();
    buf = buf.subarray(want);
    want = -1;
    const eventname = /eventname:(\S+)/.exec(header)[1];
    appendFileSync(file, `${JSON.stringify({ time: Date.now(), eventname, payload })}\n`);
    process.stdout.write('RESULT 2\nOKREADY\n');
  }
});
