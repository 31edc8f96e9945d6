import { describe, expect, it } from 'vitest';
import {
  XmlRpcParseError,
  escapeXmlText,
  parseMethodCall,
  parseResponse,
  renderCall,
  renderFault,
  renderResponse,
} from '../../../../src/supervisor/control/xmlrpc-codec.js';

describe('XML-RPC codec', () => {
  it('parses the request supervisorctl sends (observed on supervisord 4.2.5)', () => {
    const xml =
      "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n<params>\n<param>\n<value><string>fail</string></value>\n</param>\n</params>\n</methodCall>\n";
    expect(parseMethodCall(xml)).toEqual({ methodName: 'supervisor.startProcess', params: ['fail'] });
  });

  it('decodes every type, untyped values, entities and whitespace inside strings', () => {
    const xml = `<?xml version="1.0"?><methodCall><methodName>x.y</methodName><params>
      <param><value><int>-3</int></value></param>
      <param><value><i4>7</i4></value></param>
      <param><value><boolean>1</boolean></value></param>
      <param><value><double>1.5</double></value></param>
      <param><value> untyped &amp; raw </value></param>
      <param><value><string> a &lt;b&gt; </string></value></param>
      <param><value><string/></value></param>
      <param><value><base64>aGk=</base64></value></param>
      <param><value><array><data><value><int>1</int></value><value>two</value></data></array></value></param>
      <param><value><struct><member><name>methodName</name><value><string>supervisor.getState</string></value></member><member><name>params</name><value><array><data/></array></value></member></struct></value></param>
      <param><value><nil/></value></param>
    </params></methodCall>`;
    const { params } = parseMethodCall(xml);
    expect(params.slice(0, 7)).toEqual([-3, 7, true, 1.5, ' untyped & raw ', ' a <b> ', '']);
    expect(Buffer.isBuffer(params[7]) && params[7].toString()).toBe('hi');
    expect(params.slice(8)).toEqual([[1, 'two'], { methodName: 'supervisor.getState', params: [] }, null]);
  });

  it('accepts a call without <params>', () => {
    expect(parseMethodCall('<methodCall><methodName>supervisor.getState</methodName></methodCall>').params).toEqual([]);
  });

  it.each(['<methodCall><methodName>x.y</methodName>', 'not xml', '<methodCall><params/></methodCall>', '<other/>'])(
    'rejects %j (HTTP 400 in supervisord)',
    (xml) => {
      expect(() => parseMethodCall(xml)).toThrow(XmlRpcParseError);
    },
  );

  it('renders a response byte for byte like Python xmlrpc.client.dumps (observed on supervisord 4.2.5)', () => {
    expect(renderResponse('3.0')).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>3.0</string></value>\n</param>\n</params>\n</methodResponse>\n",
    );
    expect(renderResponse({ k: 1, b: true, l: ['x'] })).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>k</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>b</name>\n<value><boolean>1</boolean></value>\n</member>\n<member>\n<name>l</name>\n<value><array><data>\n<value><string>x</string></value>\n</data></array></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n",
    );
  });

  it('renders faults with faultCode and faultString', () => {
    expect(renderFault(50, 'SPAWN_ERROR: fail')).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>50</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>SPAWN_ERROR: fail</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
    );
  });

  it('makes program output safe for XML 1.0 (supervisord breaks on ANSI codes and NUL)', () => {
    expect(escapeXmlText('\x1b[31mred\x1b[0m\x00 & <tag>\ttab\n')).toBe(
      '\ufffd[31mred\ufffd[0m\ufffd &amp; &lt;tag&gt;\ttab\n',
    );
    expect(escapeXmlText('lone \ud800 surrogate, pair 😀')).toBe('lone \ufffd surrogate, pair 😀');
    const round = parseResponse(renderResponse('\x1b[1m bold'));
    expect(round).toEqual({ fault: false, value: '\ufffd[1m bold' });
  });

  it('round-trips calls and responses', () => {
    const call = renderCall('system.multicall', [[{ methodName: 'supervisor.getPID', params: [] }]]);
    expect(parseMethodCall(call)).toEqual({
      methodName: 'system.multicall',
      params: [[{ methodName: 'supervisor.getPID', params: [] }]],
    });
    expect(parseResponse(renderFault(10, 'BAD_NAME: x'))).toEqual({
      fault: true,
      faultCode: 10,
      faultString: 'BAD_NAME: x',
    });
  });
});
