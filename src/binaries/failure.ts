// The internal failure every step of binary resolution throws. Only the two public entry points
// (resolveBinaries, downloadBinaries) turn it into the public BinaryResolutionError, because only they
// know every place that was tried before it.

import { BinaryResolutionError, type BinaryAttempt, type BinaryErrorCode } from '../errors.js';

export class BinaryFailure extends Error {
  constructor(
    readonly code: BinaryErrorCode,
    message: string,
    readonly details: {
      /** What the user can do about it. */
      readonly hint?: string;
      /** A short reason for the "Tried:" list; defaults to the message. */
      readonly reason?: string;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

/**
 * The public error for a failure at `step` after `attempts`. Anything that is not a BinaryFailure
 * (an abort reason, a bug) passes through unchanged.
 */
export function toPublicError(
  e: unknown,
  attempts: readonly BinaryAttempt[],
  step?: Omit<BinaryAttempt, 'reason'>,
): unknown {
  if (!(e instanceof BinaryFailure)) return e;
  const all = step ? [...attempts, { ...step, reason: e.details.reason ?? e.message }] : attempts;
  return new BinaryResolutionError(e.message, {
    code: e.code,
    attempts: all,
    hint: e.details.hint,
    cause: e.cause ?? e,
  });
}
