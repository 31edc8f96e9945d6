import { describe, expect, it } from 'vitest';
import { EventBus, eventMatches, supervisordPayload, type SupervisorEvent } from '../../../src/supervisor/events.js';

const base = { name: 'g:p', processName: 'p', groupName: 'g' };

describe('events', () => {
  it('renders supervisord listener payloads for process state events', () => {
    const bus = new EventBus();
    const e = (init: Parameters<EventBus['emit']>[0]) => supervisordPayload(bus.emit(init));
    expect(e({ type: 'PROCESS_STATE_STARTING', ...base, fromState: 'STOPPED', tries: 0 })).toBe(
      'processname:p groupname:g from_state:STOPPED tries:0',
    );
    expect(e({ type: 'PROCESS_STATE_BACKOFF', ...base, fromState: 'STARTING', tries: 2 })).toBe(
      'processname:p groupname:g from_state:STARTING tries:2',
    );
    expect(e({ type: 'PROCESS_STATE_RUNNING', ...base, fromState: 'STARTING', pid: 9 })).toBe(
      'processname:p groupname:g from_state:STARTING pid:9',
    );
    expect(e({ type: 'PROCESS_STATE_EXITED', ...base, fromState: 'RUNNING', pid: 9, expected: false })).toBe(
      'processname:p groupname:g from_state:RUNNING expected:0 pid:9',
    );
    expect(e({ type: 'PROCESS_STATE_FATAL', ...base, fromState: 'BACKOFF' })).toBe(
      'processname:p groupname:g from_state:BACKOFF',
    );
    expect(e({ type: 'PROCESS_READY', ...base, pid: 9, check: 'x' })).toBeUndefined();
  });

  it('stamps serials in order and filters subscriptions by type prefix and name', async () => {
    const bus = new EventBus();
    const q = bus.subscribe({ types: ['PROCESS_STATE_*'], names: ['g:*'] });
    const a = bus.emit({ type: 'PROCESS_GROUP_ADDED', groupName: 'g' });
    const b = bus.emit({ type: 'PROCESS_STATE_STARTING', ...base, fromState: 'STOPPED', tries: 0 });
    bus.emit({
      type: 'PROCESS_STATE_STARTING',
      name: 'x',
      processName: 'x',
      groupName: 'x',
      fromState: 'STOPPED',
      tries: 0,
    });
    expect(b.serial).toBe(a.serial + 1);
    const got = await q.next();
    expect((got.value as SupervisorEvent).serial).toBe(b.serial);
    await q.return();
    expect(eventMatches(a, { types: ['PROCESS_GROUP_ADDED'] })).toBe(true);
  });

  it('a throwing handler does not stop delivery to others', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on(() => {
      throw new Error('bad subscriber');
    });
    bus.on((e) => seen.push(e.type));
    bus.emit({ type: 'SUPERVISOR_STATE_CHANGE_RUNNING' });
    expect(seen).toEqual(['SUPERVISOR_STATE_CHANGE_RUNNING']);
  });

  it('replays kept events after a serial before live ones, so a late subscriber sees how things got here', async () => {
    const bus = new EventBus();
    bus.emit({ type: 'PROCESS_STATE_STARTING', ...base, fromState: 'STOPPED', tries: 0 });
    const running = bus.emit({ type: 'PROCESS_STATE_RUNNING', ...base, fromState: 'STARTING', pid: 3 });
    const all = bus.subscribe({ afterSerial: 0 });
    const later = bus.subscribe({ afterSerial: running.serial - 1 });
    bus.emit({ type: 'PROCESS_STATE_STOPPING', ...base, fromState: 'RUNNING', pid: 3 });
    const take = async (q: ReturnType<EventBus['subscribe']>, n: number) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(((await q.next()).value as SupervisorEvent).type);
      await q.return();
      return out;
    };
    expect(await take(all, 3)).toEqual(['PROCESS_STATE_STARTING', 'PROCESS_STATE_RUNNING', 'PROCESS_STATE_STOPPING']);
    expect(await take(later, 2)).toEqual(['PROCESS_STATE_RUNNING', 'PROCESS_STATE_STOPPING']);
  });

  it('an aborted subscription ends', async () => {
    const bus = new EventBus();
    const ac = new AbortController();
    const q = bus.subscribe({ signal: ac.signal });
    ac.abort();
    expect((await q.next()).done).toBe(true);
  });
});
