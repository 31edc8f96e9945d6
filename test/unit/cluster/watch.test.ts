import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../../src/common/async-queue.js';
import { StartupTimeoutError, SupervisorError } from '../../../src/errors.js';
import { Deadline, NotYet, SupervisorWatch } from '../../../src/cluster/watch.js';
import type { LogLine, SupervisorControl, SupervisorEvent } from '../../../src/supervisor/control/types.js';

/** A supervisor that only streams what the test pushes. */
function fakeControl() {
  const lines = new AsyncQueue<LogLine>();
  const events = new AsyncQueue<SupervisorEvent>();
  const control = {
    lines: async (_n: string, o?: { signal?: AbortSignal }) => {
      o?.signal?.addEventListener('abort', () => lines.end());
      return lines;
    },
    events: async (o?: { signal?: AbortSignal }) => {
      o?.signal?.addEventListener('abort', () => events.end());
      return events;
    },
  } as unknown as SupervisorControl;
  const line = (name: string, text: string): LogLine => ({ name, channel: 'stdout', pid: 1, text, time: Date.now() });
  return { control, lines, events, line };
}

describe('SupervisorWatch.waitUntil', () => {
  it('re-checks when a matching line arrives, not only on its poll', async () => {
    const f = fakeControl();
    const w = await SupervisorWatch.open(f.control);
    let ready = false;
    const t0 = Date.now();
    const p = w.waitUntil({
      what: 'a to listen',
      deadline: new Deadline(10_000),
      check: () => (ready ? 'yes' : undefined),
      wakeOnLine: (l) => l.name === 'a' && (ready = l.text.includes('23016')),
      pollMs: 5_000,
    });
    f.lines.push(f.line('b', '23016'));
    f.lines.push(f.line('a', 'other'));
    f.lines.push(f.line('a', '"id":23016,'));
    await expect(p).resolves.toBe('yes');
    expect(Date.now() - t0).toBeLessThan(4_000);
    await w.close();
  });

  it('ends at once with the error a failing event gives', async () => {
    const f = fakeControl();
    const w = await SupervisorWatch.open(f.control);
    const p = w.waitUntil({
      what: 'x',
      deadline: new Deadline(10_000),
      check: () => undefined,
      failOnEvent: (e) => (e.type === 'PROCESS_STATE_BACKOFF' ? new Error('exited') : undefined),
    });
    f.events.push({
      type: 'PROCESS_STATE_BACKOFF',
      name: 'a',
      processName: 'a',
      groupName: 'a',
      fromState: 'STARTING',
      tries: 1,
      serial: 1,
      time: 0,
    });
    await expect(p).rejects.toThrow('exited');
    await w.close();
  });

  it('times out naming what it waited for, with the last NotYet as cause', async () => {
    const f = fakeControl();
    const w = await SupervisorWatch.open(f.control);
    const e = await w
      .waitUntil({
        what: 'rs0 to have a primary',
        deadline: new Deadline(150),
        check: () => {
          throw new NotYet('no primary yet');
        },
        pollMs: 20,
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StartupTimeoutError);
    expect((e as StartupTimeoutError).message).toBe('Timed out after 150ms waiting for rs0 to have a primary');
    expect((e as StartupTimeoutError).waitingFor).toBe('rs0 to have a primary');
    expect(((e as Error).cause as Error).message).toBe('no primary yet');
    await w.close();
  });

  it('other check errors, aborts and a broken stream end the wait', async () => {
    const f = fakeControl();
    const w = await SupervisorWatch.open(f.control);
    await expect(
      w.waitUntil({
        what: 'x',
        deadline: new Deadline(5_000),
        check: () => {
          throw new TypeError('bug');
        },
      }),
    ).rejects.toThrow(TypeError);
    const ac = new AbortController();
    const aborted = w.waitUntil({
      what: 'x',
      deadline: new Deadline(5_000, ac.signal),
      check: () => undefined,
      pollMs: 2_000,
    });
    const reason = new Error('gave up');
    ac.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    const broken = w.waitUntil({ what: 'x', deadline: new Deadline(5_000), check: () => undefined, pollMs: 2_000 });
    f.lines.fail(new Error('socket closed'));
    await expect(broken).rejects.toThrow(SupervisorError);
    await w.close();
  });
});
