// XML-RPC wire format: requests parsed with fast-xml-parser, responses written by hand in exactly
// the layout Python's xmlrpc.client.dumps produces (what supervisord sends), with text made safe
// for XML 1.0 (supervisord itself breaks supervisorctl on ANSI codes in log tails; we do not).

import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A value that can cross XML-RPC. `Buffer` is sent as base64, `Date` as dateTime.iso8601. */
export type XmlRpcValue =
  string | number | boolean | null | Date | Buffer | XmlRpcValue[] | { [k: string]: XmlRpcValue };

/** The request could not be parsed (supervisord answers HTTP 400). */
export class XmlRpcParseError extends Error {}

export interface XmlRpcCall {
  readonly methodName: string;
  readonly params: XmlRpcValue[];
}

/** A wrapper marking an integer that must be sent as `<double>`. */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  trimValues: false,
  parseTagValue: false,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function tagOf(n: Node): string | undefined {
  return Object.keys(n).find((k) => k !== ':@');
}

function children(n: Node, tag: string): Node[] {
  return (n[tag] as Node[] | undefined) ?? [];
}

function elements(list: Node[]): Node[] {
  return list.filter((c) => tagOf(c) !== '#text');
}

function text(list: Node[]): string {
  return list.map((c) => (tagOf(c) === '#text' ? String(c['#text']) : '')).join('');
}

function decodeValue(valueNode: Node): XmlRpcValue {
  const content = children(valueNode, 'value');
  const typed = elements(content)[0];
  if (!typed) return text(content);
  const tag = tagOf(typed)!;
  const inner = children(typed, tag);
  switch (tag) {
    case 'string':
      return text(inner);
    case 'int':
    case 'i4':
    case 'i8': {
      const t = text(inner).trim();
      if (!/^[+-]?\d+$/.test(t)) throw new XmlRpcParseError(`bad <${tag}> value ${JSON.stringify(t)}`);
      return Number(t);
    }
    case 'boolean':
      return text(inner).trim() === '1';
    case 'double': {
      const n = Number(text(inner).trim());
      if (Number.isNaN(n)) throw new XmlRpcParseError('bad <double> value');
      return n;
    }
    case 'nil':
      return null;
    case 'base64':
      return Buffer.from(text(inner).replace(/\s+/g, ''), 'base64');
    case 'dateTime.iso8601': {
      const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(text(inner).trim());
      if (!m) throw new XmlRpcParseError('bad <dateTime.iso8601> value');
      return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    }
    case 'array': {
      const data = elements(inner).find((c) => tagOf(c) === 'data');
      return data ? elements(children(data, 'data')).map(decodeValue) : [];
    }
    case 'struct': {
      const out: Record<string, XmlRpcValue> = {};
      for (const member of elements(inner)) {
        if (tagOf(member) !== 'member') continue;
        const parts = elements(children(member, 'member'));
        const name = parts.find((c) => tagOf(c) === 'name');
        const value = parts.find((c) => tagOf(c) === 'value');
        if (!name || !value) throw new XmlRpcParseError('struct member without name or value');
        out[text(children(name, 'name'))] = decodeValue(value);
      }
      return out;
    }
    default:
      throw new XmlRpcParseError(`unknown XML-RPC type <${tag}>`);
  }
}

/** Parses a `<methodCall>`. A missing `<params>` is allowed (supervisord allows it). @throws XmlRpcParseError */
export function parseMethodCall(xml: string): XmlRpcCall {
  if (XMLValidator.validate(xml) !== true) throw new XmlRpcParseError('request is not well-formed XML');
  let doc: Node[];
  try {
    doc = parser.parse(xml) as Node[];
  } catch (e) {
    throw new XmlRpcParseError((e as Error).message);
  }
  const call = elements(doc).find((n) => tagOf(n) === 'methodCall');
  if (!call) throw new XmlRpcParseError('no <methodCall>');
  const parts = elements(children(call, 'methodCall'));
  const nameNode = parts.find((n) => tagOf(n) === 'methodName');
  const methodName = nameNode ? text(children(nameNode, 'methodName')).trim() : '';
  if (!methodName) throw new XmlRpcParseError('no method name');
  const paramsNode = parts.find((n) => tagOf(n) === 'params');
  const params: XmlRpcValue[] = [];
  for (const param of paramsNode ? elements(children(paramsNode, 'params')) : []) {
    if (tagOf(param) !== 'param') continue;
    const value = elements(children(param, 'param')).find((n) => tagOf(n) === 'value');
    if (!value) throw new XmlRpcParseError('<param> without <value>');
    params.push(decodeValue(value));
  }
  return { methodName, params };
}

/* eslint-disable no-control-regex -- matching the control characters XML 1.0 forbids is the point */
const XML_FORBIDDEN =
  /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/* eslint-enable no-control-regex */

/**
 * Escapes text for an XML 1.0 document: `& < >` as Python's xmlrpc does, and characters XML 1.0
 * forbids (C0 controls except tab/newline/CR, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD
 * so a client's parser never fails on program output.
 */
export function escapeXmlText(s: string): string {
  return s.replace(XML_FORBIDDEN, '\ufffd').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function dump(v: XmlRpcValue | XmlRpcDouble | undefined, out: string[]): void {
  if (v === null || v === undefined) out.push('<value><nil/></value>\n');
  else if (v instanceof XmlRpcDouble) out.push(`<value><double>${String(v.value)}</double></value>\n`);
  else if (typeof v === 'boolean') out.push(`<value><boolean>${v ? 1 : 0}</boolean></value>\n`);
  else if (typeof v === 'number') {
    if (Number.isInteger(v)) out.push(`<value><int>${v}</int></value>\n`);
    else out.push(`<value><double>${String(v)}</double></value>\n`);
  } else if (typeof v === 'string') out.push(`<value><string>${escapeXmlText(v)}</string></value>\n`);
  else if (Buffer.isBuffer(v)) out.push(`<value><base64>\n${v.toString('base64')}\n</base64></value>\n`);
  else if (v instanceof Date) {
    const p = (n: number) => String(n).padStart(2, '0');
    out.push(
      `<value><dateTime.iso8601>${v.getUTCFullYear()}${p(v.getUTCMonth() + 1)}${p(v.getUTCDate())}T${p(v.getUTCHours())}:${p(v.getUTCMinutes())}:${p(v.getUTCSeconds())}</dateTime.iso8601></value>\n`,
    );
  } else if (Array.isArray(v)) {
    out.push('<value><array><data>\n');
    for (const x of v) dump(x, out);
    out.push('</data></array></value>\n');
  } else {
    out.push('<value><struct>\n');
    for (const [k, x] of Object.entries(v)) {
      out.push('<member>\n', `<name>${escapeXmlText(k)}</name>\n`);
      dump(x, out);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
  }
}

/** A `<methodResponse>` with one param, formatted like Python's `xmlrpc.client.dumps`. */
export function renderResponse(value: XmlRpcValue): string {
  const out = ["<?xml version='1.0'?>\n", '<methodResponse>\n', '<params>\n', '<param>\n'];
  dump(value, out);
  out.push('</param>\n', '</params>\n', '</methodResponse>\n');
  return out.join('');
}

/** A fault `<methodResponse>`, formatted like Python's `xmlrpc.client.dumps(Fault(...))`. */
export function renderFault(faultCode: number, faultString: string): string {
  const out = ["<?xml version='1.0'?>\n", '<methodResponse>\n', '<fault>\n'];
  dump({ faultCode, faultString }, out);
  out.push('</fault>\n', '</methodResponse>\n');
  return out.join('');
}

/** A `<methodCall>` (used by our tests and by anyone scripting supervisord from Node). */
export function renderCall(methodName: string, params: readonly XmlRpcValue[]): string {
  const out = [
    "<?xml version='1.0'?>\n",
    '<methodCall>\n',
    `<methodName>${escapeXmlText(methodName)}</methodName>\n`,
    '<params>\n',
  ];
  for (const p of params) {
    out.push('<param>\n');
    dump(p, out);
    out.push('</param>\n');
  }
  out.push('</params>\n', '</methodCall>\n');
  return out.join('');
}

/** Parses a `<methodResponse>`: the value, or `{ faultCode, faultString }` marked as a fault. */
export function parseResponse(
  xml: string,
): { fault: false; value: XmlRpcValue } | { fault: true; faultCode: number; faultString: string } {
  if (XMLValidator.validate(xml) !== true) throw new XmlRpcParseError('response is not well-formed XML');
  const doc = parser.parse(xml) as Node[];
  const resp = elements(doc).find((n) => tagOf(n) === 'methodResponse');
  if (!resp) throw new XmlRpcParseError('no <methodResponse>');
  const parts = elements(children(resp, 'methodResponse'));
  const fault = parts.find((n) => tagOf(n) === 'fault');
  if (fault) {
    const value = elements(children(fault, 'fault')).find((n) => tagOf(n) === 'value');
    const v = value
      ? (decodeValue(value) as { faultCode: number; faultString: string })
      : { faultCode: 0, faultString: '' };
    return { fault: true, faultCode: v.faultCode, faultString: v.faultString };
  }
  const params = parts.find((n) => tagOf(n) === 'params');
  const param = params ? elements(children(params, 'params'))[0] : undefined;
  const value = param ? elements(children(param, 'param')).find((n) => tagOf(n) === 'value') : undefined;
  if (!value) throw new XmlRpcParseError('response without a value');
  return { fault: false, value: decodeValue(value) };
}
