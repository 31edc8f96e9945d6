import { afterEach, describe, expect, it } from 'vitest';
import { dispatch, listMethods, type RpcHost } from '../../../../src/supervisor/control/rpc-methods.js';
import { RpcFault } from '../../../../src/supervisor/faults.js';
import { Supervisor } from '../../../../src/supervisor/supervisor.js';

// A supervisor with no programs: these tests exercise the RPC layer without starting processes.
let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.close();
  sup = undefined;
});

function host(): RpcHost {
  sup = new Supervisor({ identifier: 'unit' });
  sup.startSupervisor();
  return { supervisor: sup, requestShutdown: () => void sup!.close(), requestRestart: () => {} };
}

async function fault(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcFault) return `${e.faultCode} ${e.faultString}`;
    throw e;
  }
  throw new Error('expected a fault');
}

describe('XML-RPC methods', () => {
  it('lists the same 41 methods as supervisord 4.2.5, sorted', () => {
    const m = listMethods();
    expect(m).toHaveLength(41);
    expect(m).toEqual([...m].sort());
    expect(m).toContain('supervisor.getVersion');
    expect(m).toContain('system.multicall');
  });

  it('answers version, identification and state', async () => {
    const h = host();
    expect(await dispatch(h, 'supervisor.getVersion', [])).toBe('3.0');
    expect(await dispatch(h, 'supervisor.getAPIVersion', [])).toBe('3.0');
    expect(await dispatch(h, 'supervisor.getSupervisorVersion', [])).toBe('4.2.5');
    expect(await dispatch(h, 'supervisor.getIdentification', [])).toBe('unit');
    expect(await dispatch(h, 'supervisor.getState', [])).toEqual({ statecode: 1, statename: 'RUNNING' });
    expect(await dispatch(h, 'supervisor.getPID', [])).toBe(process.pid);
  });

  it('reports signatures from the same @param/@return types', async () => {
    const h = host();
    expect(await dispatch(h, 'system.methodSignature', ['supervisor.startProcess'])).toEqual([
      'boolean',
      'string',
      'boolean',
    ]);
    expect(await dispatch(h, 'system.methodSignature', ['supervisor.tailProcessStdoutLog'])).toEqual([
      'array',
      'string',
      'int',
      'int',
    ]);
    expect(await fault(dispatch(h, 'system.methodSignature', ['nope.nope']))).toBe('4 SIGNATURE_UNSUPPORTED');
  });

  it.each([
    ['supervisor.nope', [], '1 UNKNOWN_METHOD'],
    ['supervisor._update', ['x'], '1 UNKNOWN_METHOD'],
    ['a.b.c', [], '1 UNKNOWN_METHOD'],
    ['getState', [], '1 UNKNOWN_METHOD'],
    ['supervisor.getState', ['extra'], '2 INCORRECT_PARAMETERS'],
    ['supervisor.startProcess', [], '2 INCORRECT_PARAMETERS'],
    ['supervisor.startProcess', ['a', true, 'x'], '2 INCORRECT_PARAMETERS'],
    ['supervisor.startProcess', ['nope'], '10 BAD_NAME: nope'],
    ['supervisor.getProcessInfo', ['g:*'], '10 BAD_NAME: g:*'],
    ['supervisor.signalProcess', ['nope', 'HUP'], '10 BAD_NAME: nope'],
    ['supervisor.readProcessStdoutLog', ['nope', 0, 0], '10 BAD_NAME: nope'],
    ['supervisor.addProcessGroup', ['nope'], '10 BAD_NAME: nope'],
    ['supervisor.reloadConfig', [], '92 CANT_REREAD: this supervisor was not started from a config file'],
  ] as const)('%s(%j) faults %s', async (method, params, expected) => {
    expect(await fault(dispatch(host(), method, [...params]))).toBe(expected);
  });

  it('multicall returns raw values and fault structs, and forbids recursion', async () => {
    const r = await dispatch(host(), 'system.multicall', [
      [
        { methodName: 'supervisor.getVersion', params: [] },
        { methodName: 'supervisor.startProcess', params: ['nope'] },
        { methodName: 'system.multicall', params: [[]] },
        { params: [] },
      ],
    ]);
    expect(r).toEqual([
      '3.0',
      { faultCode: 10, faultString: 'BAD_NAME: nope' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS: Recursive system.multicall forbidden' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS: No methodName' },
    ]);
  });

  it('faults with SHUTDOWN_STATE once shutting down', async () => {
    const h = host();
    await dispatch(h, 'supervisor.shutdown', []);
    expect(await fault(dispatch(h, 'supervisor.getAllProcessInfo', []))).toBe('6 SHUTDOWN_STATE');
    expect(await fault(dispatch(h, 'supervisor.getVersion', []))).toBe('6 SHUTDOWN_STATE');
  });
});
