// Delivers progress events to the caller's listener and debug output to `mongo-topology:binaries`;
// a listener that throws never breaks resolution.

import createDebug from 'debug';
import type { BinaryEvent } from './types.js';

export const debug = createDebug('mongo-topology:binaries');

export type EventSink = ((e: BinaryEvent) => void) | undefined;

export function emit(onEvent: EventSink, event: BinaryEvent): void {
  debug('%s %o', event.type, event);
  if (!onEvent) return;
  try {
    onEvent(event);
  } catch (e) {
    debug('onEvent listener threw (ignored): %O', e);
  }
}
