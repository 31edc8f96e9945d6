// supervisord's XML-RPC interface (namespaces `supervisor` and `system`) mapped onto a Supervisor:
// the same 41 method names (aliases included), signatures, arity checks (INCORRECT_PARAMETERS),
// faults and return structs, and system.multicall's result layout. Transport lives elsewhere.

import { Faults, RpcFault } from '../faults.js';
import type { Supervisor } from '../supervisor.js';
import type { XmlRpcValue } from './xmlrpc-codec.js';

/** supervisord's API version; supervisorctl refuses anything else. */
export const API_VERSION = '3.0';
/** The supervisord version we are compatible with (reported by getSupervisorVersion). */
export const SUPERVISOR_VERSION = '4.2.5';

/** What the transport needs from its host besides the Supervisor. */
export interface RpcHost {
  readonly supervisor: Supervisor;
  /** The shutdown RPC: begin an orderly shutdown (the daemon exits when it is done). */
  requestShutdown(): void;
  /** The restart RPC. */
  requestRestart(): void;
  /** The clearLog RPC (main log). */
  clearMainLog?(): void;
}

interface MethodDef {
  /** Parameter types and names, in order; `optional` ones may be left out. */
  readonly params: readonly (readonly [type: string, name: string, optional?: boolean])[];
  readonly returns: string;
  readonly help: string;
  readonly call: (host: RpcHost, args: XmlRpcValue[]) => XmlRpcValue | Promise<XmlRpcValue>;
}

const str = (v: XmlRpcValue | undefined): string =>
  Buffer.isBuffer(v)
    ? v.toString('utf8')
    : v !== null && typeof v === 'object' && !(v instanceof Date)
      ? JSON.stringify(v)
      : String(v);
const int = (v: XmlRpcValue | undefined) => {
  const n = typeof v === 'number' ? v : Number(str(v));
  if (!Number.isFinite(n)) throw new RpcFault('INCORRECT_PARAMETERS', str(v));
  return Math.trunc(n);
};
/** Python truthiness of an optional `wait`, defaulting to true. */
const flag = (v: XmlRpcValue | undefined) => (v === undefined ? true : Boolean(v) && v !== '' && v !== 0);
const logText = (b: Buffer) => b.toString('utf8');
const results = (r: unknown) => r as XmlRpcValue;

const supervisorMethods: Record<string, MethodDef> = {
  getAPIVersion: {
    params: [],
    returns: 'string',
    help: 'Return the version of the RPC API used by supervisord',
    call: ({ supervisor }) => (checkUp(supervisor), API_VERSION),
  },
  getSupervisorVersion: {
    params: [],
    returns: 'string',
    help: 'Return the version of the supervisor package in use by supervisord',
    call: ({ supervisor }) => (checkUp(supervisor), SUPERVISOR_VERSION),
  },
  getIdentification: {
    params: [],
    returns: 'string',
    help: 'Return identifying string of supervisord',
    call: ({ supervisor }) => (checkUp(supervisor), supervisor.identifier),
  },
  getState: {
    params: [],
    returns: 'struct',
    help: 'Return current state of supervisord as a struct',
    call: ({ supervisor }) => {
      checkUp(supervisor);
      return { statecode: stateCode(supervisor.state), statename: supervisor.state };
    },
  },
  getPID: {
    params: [],
    returns: 'int',
    help: 'Return the PID of supervisord',
    call: ({ supervisor }) => (checkUp(supervisor), process.pid),
  },
  readLog: {
    params: [
      ['int', 'offset'],
      ['int', 'length'],
    ],
    returns: 'string',
    help: 'Read length bytes from the main log starting at offset',
    call: ({ supervisor }, [o, l]) => logText(supervisor.readMainLog(int(o), int(l))),
  },
  clearLog: {
    params: [],
    returns: 'boolean',
    help: 'Clear the main log.',
    call: (host) => {
      checkUp(host.supervisor);
      if (!host.clearMainLog) throw new RpcFault('NO_FILE');
      host.clearMainLog();
      return true;
    },
  },
  shutdown: {
    params: [],
    returns: 'boolean',
    help: 'Shut down the supervisor process',
    call: (host) => {
      checkUp(host.supervisor);
      host.requestShutdown();
      return true;
    },
  },
  restart: {
    params: [],
    returns: 'boolean',
    help: 'Restart the supervisor process',
    call: (host) => {
      checkUp(host.supervisor);
      host.requestRestart();
      return true;
    },
  },
  reloadConfig: {
    params: [],
    returns: 'array',
    help: 'Reload the configuration. The result is [[added, changed, removed]] group names.',
    call: ({ supervisor }) => supervisor.reloadConfig(),
  },
  addProcessGroup: {
    params: [['string', 'name']],
    returns: 'boolean',
    help: 'Update the config for a running process from config file.',
    call: ({ supervisor }, [n]) => supervisor.addProcessGroup(str(n)),
  },
  removeProcessGroup: {
    params: [['string', 'name']],
    returns: 'boolean',
    help: 'Remove a stopped process from the active configuration.',
    call: ({ supervisor }, [n]) => supervisor.removeProcessGroup(str(n)),
  },
  startProcess: {
    params: [
      ['string', 'name'],
      ['boolean', 'wait', true],
    ],
    returns: 'boolean',
    help: 'Start a process (name, group:name or group:*); with wait, return once it is RUNNING',
    call: async ({ supervisor }, [n, w]) => results(await supervisor.startProcess(str(n), flag(w))),
  },
  startProcessGroup: {
    params: [
      ['string', 'name'],
      ['boolean', 'wait', true],
    ],
    returns: 'array',
    help: "Start all processes in the group named 'name'",
    call: async ({ supervisor }, [n, w]) => results(await supervisor.startProcessGroup(str(n), flag(w))),
  },
  startAllProcesses: {
    params: [['boolean', 'wait', true]],
    returns: 'array',
    help: 'Start all processes listed in the configuration file',
    call: async ({ supervisor }, [w]) => results(await supervisor.startAllProcesses(flag(w))),
  },
  stopProcess: {
    params: [
      ['string', 'name'],
      ['boolean', 'wait', true],
    ],
    returns: 'boolean',
    help: 'Stop a process named by name (or group:name, group:*)',
    call: async ({ supervisor }, [n, w]) => results(await supervisor.stopProcess(str(n), flag(w))),
  },
  stopProcessGroup: {
    params: [
      ['string', 'name'],
      ['boolean', 'wait', true],
    ],
    returns: 'array',
    help: "Stop all processes in the process group named 'name'",
    call: async ({ supervisor }, [n, w]) => results(await supervisor.stopProcessGroup(str(n), flag(w))),
  },
  stopAllProcesses: {
    params: [['boolean', 'wait', true]],
    returns: 'array',
    help: 'Stop all processes in the process list',
    call: async ({ supervisor }, [w]) => results(await supervisor.stopAllProcesses(flag(w))),
  },
  signalProcess: {
    params: [
      ['string', 'name'],
      ['string', 'signal'],
    ],
    returns: 'boolean',
    help: 'Send an arbitrary UNIX signal to the process named by name',
    call: ({ supervisor }, [n, s]) => results(supervisor.signalProcess(str(n), typeof s === 'number' ? s : str(s))),
  },
  signalProcessGroup: {
    params: [
      ['string', 'name'],
      ['string', 'signal'],
    ],
    returns: 'array',
    help: "Send a signal to all processes in the group named 'name'",
    call: ({ supervisor }, [n, s]) =>
      results(supervisor.signalProcessGroup(str(n), typeof s === 'number' ? s : str(s))),
  },
  signalAllProcesses: {
    params: [['string', 'signal']],
    returns: 'array',
    help: 'Send a signal to all processes in the process list',
    call: ({ supervisor }, [s]) => results(supervisor.signalAllProcesses(typeof s === 'number' ? s : str(s))),
  },
  getAllConfigInfo: {
    params: [],
    returns: 'array',
    help: 'Get info about all available process configurations.',
    call: ({ supervisor }) => results(supervisor.getAllConfigInfo()),
  },
  getProcessInfo: {
    params: [['string', 'name']],
    returns: 'struct',
    help: 'Get info about a process named name',
    call: ({ supervisor }, [n]) => results(supervisor.getProcessInfo(str(n))),
  },
  getAllProcessInfo: {
    params: [],
    returns: 'array',
    help: 'Get info about all processes',
    call: ({ supervisor }) => results(supervisor.getAllProcessInfo()),
  },
  readProcessStdoutLog: {
    params: [
      ['string', 'name'],
      ['int', 'offset'],
      ['int', 'length'],
    ],
    returns: 'string',
    help: "Read length bytes from name's stdout log starting at offset",
    call: ({ supervisor }, [n, o, l]) => logText(supervisor.readProcessLog(str(n), 'stdout', int(o), int(l))),
  },
  readProcessStderrLog: {
    params: [
      ['string', 'name'],
      ['int', 'offset'],
      ['int', 'length'],
    ],
    returns: 'string',
    help: "Read length bytes from name's stderr log starting at offset",
    call: ({ supervisor }, [n, o, l]) => logText(supervisor.readProcessLog(str(n), 'stderr', int(o), int(l))),
  },
  tailProcessStdoutLog: {
    params: [
      ['string', 'name'],
      ['int', 'offset'],
      ['int', 'length'],
    ],
    returns: 'array',
    help: "Tail name's stdout log: [string bytes, int offset, bool overflow]",
    call: ({ supervisor }, [n, o, l]) => {
      const t = supervisor.tailProcessLog(str(n), 'stdout', int(o), int(l));
      return [logText(t.data), t.offset, t.overflow];
    },
  },
  tailProcessStderrLog: {
    params: [
      ['string', 'name'],
      ['int', 'offset'],
      ['int', 'length'],
    ],
    returns: 'array',
    help: "Tail name's stderr log: [string bytes, int offset, bool overflow]",
    call: ({ supervisor }, [n, o, l]) => {
      const t = supervisor.tailProcessLog(str(n), 'stderr', int(o), int(l));
      return [logText(t.data), t.offset, t.overflow];
    },
  },
  clearProcessLogs: {
    params: [['string', 'name']],
    returns: 'boolean',
    help: 'Clear the stdout and stderr logs for the named process and reopen them.',
    call: ({ supervisor }, [n]) => supervisor.clearProcessLogs(str(n)),
  },
  clearAllProcessLogs: {
    params: [],
    returns: 'array',
    help: 'Clear all process log files',
    call: ({ supervisor }) => results(supervisor.clearAllProcessLogs()),
  },
  sendProcessStdin: {
    params: [
      ['string', 'name'],
      ['string', 'chars'],
    ],
    returns: 'boolean',
    help: 'Send a string of chars to the stdin of the process name.',
    call: ({ supervisor }, [n, c]) => supervisor.sendProcessStdin(str(n), Buffer.isBuffer(c) ? c.toString('utf8') : c),
  },
  sendRemoteCommEvent: {
    params: [
      ['string', 'type'],
      ['string', 'data'],
    ],
    returns: 'boolean',
    help: 'Send an event that will be received by event listener subprocesses subscribing to the RemoteCommunicationEvent.',
    call: ({ supervisor }, [t, d]) => supervisor.sendRemoteCommEvent(str(t), str(d)),
  },
};
// Aliases supervisord keeps for backwards compatibility.
supervisorMethods.getVersion = supervisorMethods.getAPIVersion!;
supervisorMethods.readMainLog = supervisorMethods.readLog!;
supervisorMethods.readProcessLog = supervisorMethods.readProcessStdoutLog!;
supervisorMethods.tailProcessLog = supervisorMethods.tailProcessStdoutLog!;
supervisorMethods.clearProcessLog = supervisorMethods.clearProcessLogs!;

function stateCode(name: string): number {
  return ({ FATAL: 2, RUNNING: 1, RESTARTING: 0, SHUTDOWN: -1 } as Record<string, number>)[name] ?? -1;
}

function checkUp(s: Supervisor): void {
  if (s.state === 'SHUTDOWN' || s.state === 'RESTARTING') throw new RpcFault('SHUTDOWN_STATE');
}

const systemMethods: Record<string, MethodDef> = {
  listMethods: {
    params: [],
    returns: 'array',
    help: 'Return an array listing the available method names',
    call: () => listMethods(),
  },
  methodHelp: {
    params: [['string', 'name']],
    returns: 'string',
    help: "Return a string showing the method's documentation",
    call: (_h, [n]) => {
      const m = lookup(str(n));
      if (!m) throw new RpcFault('SIGNATURE_UNSUPPORTED');
      return m.help;
    },
  },
  methodSignature: {
    params: [['string', 'name']],
    returns: 'array',
    help: 'Return an array describing the method signature in the form [rtype, ptype, ptype...]',
    call: (_h, [n]) => {
      const m = lookup(str(n));
      if (!m) throw new RpcFault('SIGNATURE_UNSUPPORTED');
      return [m.returns, ...m.params.map((p) => p[0])];
    },
  },
  multicall: {
    params: [['array', 'calls']],
    returns: 'array',
    help: "Process an array of calls ({'methodName': string, 'params': array}) and return an array of results",
    call: async (host, [calls]) => {
      if (!Array.isArray(calls)) throw new RpcFault('INCORRECT_PARAMETERS');
      const out: XmlRpcValue[] = [];
      for (const c of calls) {
        const call = (c ?? {}) as { methodName?: XmlRpcValue; params?: XmlRpcValue };
        try {
          if (call.methodName === undefined || call.methodName === null)
            throw new RpcFault('INCORRECT_PARAMETERS', 'No methodName');
          const name = str(call.methodName);
          if (name === 'system.multicall')
            throw new RpcFault('INCORRECT_PARAMETERS', 'Recursive system.multicall forbidden');
          out.push(await dispatch(host, name, Array.isArray(call.params) ? call.params : []));
        } catch (e) {
          if (e instanceof RpcFault) out.push({ faultCode: e.faultCode!, faultString: e.faultString });
          else
            out.push({ faultCode: Faults.FAILED, faultString: `FAILED: ${(e as Error).name}:${(e as Error).message}` });
        }
      }
      return out;
    },
  },
};

const namespaces: Record<string, Record<string, MethodDef>> = { supervisor: supervisorMethods, system: systemMethods };

function lookup(name: string): MethodDef | undefined {
  const parts = name.split('.');
  if (parts.length !== 2 || parts[1].startsWith('_')) return undefined;
  const ns = namespaces[parts[0]];
  return ns && Object.hasOwn(ns, parts[1]) ? ns[parts[1]] : undefined;
}

/** Every method name, sorted (system.listMethods). */
export function listMethods(): string[] {
  return Object.entries(namespaces)
    .flatMap(([ns, m]) => Object.keys(m).map((k) => `${ns}.${k}`))
    .sort();
}

/**
 * Calls one method. Throws RpcFault for faults (UNKNOWN_METHOD, INCORRECT_PARAMETERS, and the
 * method's own); any other error is an internal error (HTTP 500 for a top-level call).
 */
export async function dispatch(
  host: RpcHost,
  methodName: string,
  params: readonly XmlRpcValue[],
): Promise<XmlRpcValue> {
  const m = lookup(methodName);
  if (!m) throw new RpcFault('UNKNOWN_METHOD');
  const max = m.params.length;
  const min = m.params.filter((p) => !p[2]).length;
  if (params.length < min || params.length > max) throw new RpcFault('INCORRECT_PARAMETERS');
  return m.call(host, [...params]);
}
