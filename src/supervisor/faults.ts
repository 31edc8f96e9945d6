// supervisord's XML-RPC fault codes (xmlrpc.py Faults) and the error that carries one. The codes
// and the "NAME: extra" text are what supervisorctl interprets, so they are reproduced exactly.

import { SupervisorError } from '../errors.js';

export const Faults = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;
export type FaultName = keyof typeof Faults;

const FAULT_NAMES = new Map<number, FaultName>(Object.entries(Faults).map(([k, v]) => [v, k as FaultName]));

export function faultName(code: number): string {
  return FAULT_NAMES.get(code) ?? 'UNKNOWN';
}

/**
 * A supervisord fault, e.g. `SPAWN_ERROR: rs0-1`. `faultString` is exactly what supervisord sends;
 * the error message adds what it means for a reader of our API.
 */
export class RpcFault extends SupervisorError {
  readonly faultString: string;
  constructor(
    readonly faultCodeName: FaultName,
    extra?: string | number | null,
    evidence: ConstructorParameters<typeof SupervisorError>[1] = {},
  ) {
    const faultString = extra === undefined || extra === null ? faultCodeName : `${faultCodeName}: ${extra}`;
    super(faultString, { ...evidence, faultCode: Faults[faultCodeName], code: `MT_SUPERVISOR_${faultCodeName}` });
    this.faultString = faultString;
  }
}

/** One element of a group/all operation's result array (supervisord's result struct). */
export interface ProcessResult {
  /** Process name (not the namespec). */
  readonly name: string;
  readonly group: string;
  /** A fault code; 80 (SUCCESS) when it worked. */
  readonly status: number;
  /** `OK`, or the fault text. */
  readonly description: string;
}
