// How errors cross the JSON API: the server turns a typed error into a plain object with its
// evidence, the client turns it back into the same class (RpcFault, StartupTimeoutError, ...),
// so remote callers catch exactly what local callers catch.

import {
  MongoTopologyError,
  StartupTimeoutError,
  SupervisorError,
  TopologyConfigError,
  isMongoTopologyError,
} from '../../errors.js';
import { RpcFault, faultName, type FaultName } from '../faults.js';

/** Path prefix of the JSON API. */
export const API_PREFIX = '/api/v1';

export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly shortMessage?: string;
  readonly faultCode?: number;
  readonly faultString?: string;
  readonly waitingFor?: string;
  readonly timeoutMs?: number;
  readonly node?: string;
  readonly command?: readonly string[];
  readonly logFile?: string;
  readonly logTail?: readonly string[];
}

/** HTTP status for an error: 404 unknown name, 409 refused in this state, 504 timeout, 400 bad input. */
export function httpStatusOf(e: unknown): number {
  if (e instanceof RpcFault) {
    if (e.faultCodeName === 'BAD_NAME') return 404;
    if (
      e.faultCodeName === 'INCORRECT_PARAMETERS' ||
      e.faultCodeName === 'BAD_ARGUMENTS' ||
      e.faultCodeName === 'BAD_SIGNAL'
    )
      return 400;
    if (e.faultCodeName === 'SHUTDOWN_STATE') return 503;
    return 409;
  }
  if (e instanceof StartupTimeoutError) return 504;
  if (e instanceof TopologyConfigError) return 400;
  if (e instanceof SupervisorError && e.code === 'MT_SUPERVISOR_NOT_FOUND') return 404;
  return 500;
}

export function toWire(e: unknown): WireError {
  if (isMongoTopologyError(e)) {
    const m = e as MongoTopologyError & { faultCode?: number; faultString?: string; waitingFor?: string };
    return {
      name: m.name,
      code: m.code,
      message: m.message,
      shortMessage: m.shortMessage,
      faultCode: m.faultCode,
      faultString: m.faultString,
      waitingFor: m.waitingFor,
      timeoutMs: m.timeoutMs,
      node: m.node,
      command: m.command,
      logFile: m.logFile,
      logTail: m.logTail,
    };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, code: 'MT_SUPERVISOR', message: err.message };
}

export function fromWire(w: WireError, context: string): Error {
  const evidence = {
    node: w.node,
    command: w.command,
    logFile: w.logFile,
    logTail: w.logTail,
    timeoutMs: w.timeoutMs,
  };
  if (w.faultCode !== undefined && w.faultString !== undefined) {
    const name = faultName(w.faultCode) as FaultName;
    const colon = w.faultString.indexOf(': ');
    return new RpcFault(name, colon === -1 ? null : w.faultString.slice(colon + 2), evidence);
  }
  if (w.name === 'StartupTimeoutError') {
    return new StartupTimeoutError(w.shortMessage ?? w.message, { ...evidence, waitingFor: w.waitingFor ?? context });
  }
  if (w.name === 'TopologyConfigError') return new TopologyConfigError(w.message);
  return new SupervisorError(`${context}: ${w.shortMessage ?? w.message}`, { ...evidence, code: w.code });
}
