// Differential tests of the ported Python pieces (ConfigParser, `%` formatting, shlex, supervisord's
// environment parser) against goldens produced by Python 3.11 and supervisord 4.2.5 themselves
// (golden/generate-python-goldens.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IniStore } from '../../../../src/supervisor/config/ini-parser.js';
import { PythonFormatError, pythonFormat } from '../../../../src/supervisor/config/python-format.js';
import { parseEnvironment, shlexSplit } from '../../../../src/supervisor/config/shlex.js';
import { TopologyConfigError } from '../../../../src/errors.js';

type Outcome = unknown;
const gold = JSON.parse(readFileSync(new URL('./golden/python-goldens.json', import.meta.url), 'utf8')) as {
  format: [string, Outcome][];
  split: [string, Outcome][];
  env: [string, Outcome][];
  ini: Record<string, [string, Outcome]>;
};

const expansions = new Map<string, string | number>([
  ['here', '/etc/sv'],
  ['process_num', 7],
  ['program_name', 'cat'],
  ['num', 0.0001234],
  ['big', 123456789],
  ['quote', "it's"],
  ['a(b)', 'nested'],
]);

describe('pythonFormat matches Python `%` with a mapping', () => {
  it.each(gold.format)('%j', (input, expected) => {
    if (typeof expected === 'string') {
      expect(pythonFormat(input, expansions)).toBe(expected);
    } else if (expected && typeof expected === 'object' && 'missing' in expected) {
      let err: unknown;
      try {
        pythonFormat(input, expansions);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PythonFormatError);
      expect((err as PythonFormatError).kind).toBe('missing-name');
    } else {
      expect(() => pythonFormat(input, expansions)).toThrow(PythonFormatError);
    }
  });
});

describe('shlexSplit matches Python shlex.split', () => {
  it.each(gold.split)('%j', (input, expected) => {
    if (Array.isArray(expected)) expect(shlexSplit(input)).toEqual(expected);
    else expect(() => shlexSplit(input)).toThrow((expected as { error: string }).error);
  });
});

describe('parseEnvironment matches supervisord 4.2.5 dict_of_key_value_pairs', () => {
  it.each(gold.env)('%j', (input, expected) => {
    if (expected && typeof expected === 'object' && 'error' in expected) {
      expect(() => parseEnvironment(input)).toThrow((expected as { error: string }).error);
    } else {
      expect(Object.fromEntries(parseEnvironment(input))).toEqual(expected);
    }
  });
});

describe('IniStore matches RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False)', () => {
  it.each(Object.entries(gold.ini))('%s', (_name, [text, expected]) => {
    const store = new IniStore();
    if (expected && typeof expected === 'object' && 'error' in expected) {
      expect(() => store.read(text, 'f.ini')).toThrow(TopologyConfigError);
      return;
    }
    store.read(text, 'f.ini');
    const got: Record<string, Record<string, string>> = {};
    for (const s of store.sections()) {
      got[s] = Object.fromEntries([...store.section(s)!.values].map(([k, v]) => [k, v.value]));
    }
    expect(got).toEqual(expected);
  });

  it('names every bad line with file and line number', () => {
    const store = new IniStore();
    let err: TopologyConfigError | undefined;
    try {
      store.read('[s]\ngarbage\na=1\n=novalue\n', '/etc/x.ini');
    } catch (e) {
      err = e as TopologyConfigError;
    }
    expect(err?.problems.map((p) => p.path)).toEqual(['/etc/x.ini:2', '/etc/x.ini:4']);
    expect(err?.message).toContain('garbage');
  });

  it('records where each value came from, and later files override earlier ones', () => {
    const store = new IniStore();
    store.read('[program:a]\ncommand=/bin/a\npriority=1\n', '/main.ini');
    store.read('\n[program:a]\npriority=2\n', '/inc.ini');
    expect(store.get('program:a', 'command')).toEqual({ value: '/bin/a', file: '/main.ini', line: 2 });
    expect(store.get('program:a', 'priority')).toEqual({ value: '2', file: '/inc.ini', line: 3 });
    expect(store.section('program:a')?.file).toBe('/main.ini');
  });
});
