import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputChannel, type LogLine } from '../../../../src/supervisor/logs/output-channel.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-sup-chan-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function channel(overrides: Partial<ConstructorParameters<typeof OutputChannel>[0]> = {}) {
  const lines: LogLine[] = [];
  const comms: string[] = [];
  const logged: string[] = [];
  const ch = new OutputChannel(
    {
      name: 'g:p',
      channel: 'stdout',
      logfile: join(dir, 'p.log'),
      maxBytes: 0,
      backups: 0,
      captureMaxBytes: 0,
      stripAnsi: false,
      eventsEnabled: true,
      ...overrides,
    },
    {
      line: (l) => lines.push(l),
      communication: (d) => comms.push(d.toString()),
      logged: (d) => logged.push(d.toString()),
    },
  );
  return { ch, lines, comms, logged };
}

describe('OutputChannel', () => {
  it('splits chunks into complete lines tagged with the writer pid, flushing a final partial line at EOF', () => {
    const { ch, lines } = channel();
    const r = ch.begin(42);
    r.write(Buffer.from('hel'));
    r.write(Buffer.from('lo\nwor'));
    r.write(Buffer.from('ld\n\nlast'));
    expect(lines.map((l) => l.text)).toEqual(['hello', 'world', '']);
    r.end();
    expect(lines.map((l) => [l.text, l.pid, l.channel, l.name])).toEqual([
      ['hello', 42, 'stdout', 'g:p'],
      ['world', 42, 'stdout', 'g:p'],
      ['', 42, 'stdout', 'g:p'],
      ['last', 42, 'stdout', 'g:p'],
    ]);
    ch.close();
    expect(readFileSync(join(dir, 'p.log'), 'utf8')).toBe('hello\nworld\n\nlast');
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const { ch, lines } = channel();
    const r = ch.begin(1);
    const bytes = Buffer.from('héllo\n');
    r.write(bytes.subarray(0, 2));
    r.write(bytes.subarray(2));
    expect(lines[0].text).toBe('héllo');
    ch.close();
  });

  it('captures data between XSUPERVISOR tokens into a communication event and keeps it out of the log', () => {
    const { ch, lines, comms } = channel({ captureMaxBytes: 1000 });
    const r = ch.begin(7);
    r.write(Buffer.from('before <!--XSUPERVISOR:BEG'));
    r.write(Buffer.from('IN-->secret<!--XSUPERVISOR:END--> after\n'));
    r.end();
    ch.close();
    expect(comms).toEqual(['secret']);
    expect(readFileSync(join(dir, 'p.log'), 'utf8')).toBe('before  after\n');
    expect(lines.map((l) => l.text)).toEqual(['before  after']);
  });

  it('strips ANSI escapes from the log when asked', () => {
    const { ch } = channel({ stripAnsi: true });
    const r = ch.begin(1);
    r.write(Buffer.from('\x1b[31mred\x1b[0m plain\n'));
    ch.close();
    expect(readFileSync(join(dir, 'p.log'), 'utf8')).toBe('red plain\n');
  });

  it('still streams lines with no log file (NONE)', () => {
    const { ch, lines } = channel({ logfile: null });
    const r = ch.begin(1);
    r.write(Buffer.from('x\n'));
    expect(lines).toHaveLength(1);
    ch.close();
  });
});
