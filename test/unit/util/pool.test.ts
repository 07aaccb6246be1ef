import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runPool } from '../../../src/util/pool.js';

// Workers are fake: each item sleeps `ms` on fake timers and logs when it starts and ends.
function sleeper(log: string[], active: { now: number; max: number }) {
  return async (item: { name: string; ms: number; fail?: boolean }, _i: number, signal: AbortSignal) => {
    log.push(`start ${item.name} @${Date.now()}`);
    active.now++;
    active.max = Math.max(active.max, active.now);
    const onAbort = () => log.push(`saw abort ${item.name}`);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve) => setTimeout(resolve, item.ms));
      if (item.fail) throw new Error(`boom ${item.name}`);
      log.push(`end ${item.name} @${Date.now()}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      active.now--;
    }
  };
}

describe('runPool', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('starts the next item as soon as any one finishes: a slow item blocks nobody', async () => {
    const log: string[] = [];
    const active = { now: 0, max: 0 };
    const items = [
      { name: 'slow', ms: 1000 },
      { name: 'a', ms: 100 },
      { name: 'b', ms: 100 },
      { name: 'c', ms: 100 },
      { name: 'd', ms: 100 },
    ];
    const done = runPool(items, 2, sleeper(log, active));
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    // With fixed batches of 2, `b` would wait for `slow` (start @1000); here a..d run back to back.
    expect(log.filter((l) => l.startsWith('start'))).toEqual([
      'start slow @0',
      'start a @0',
      'start b @100',
      'start c @200',
      'start d @300',
    ]);
    expect(log).toContain('end d @400');
    expect(log.at(-1)).toBe('end slow @1000');
    expect(active.max).toBe(2);
  });

  it('never runs more than `limit` at once and handles fewer items than lanes', async () => {
    const active = { now: 0, max: 0 };
    const items = Array.from({ length: 50 }, (_, i) => ({ name: String(i), ms: 10 + (i % 7) * 13 }));
    const done = runPool(items, 8, sleeper([], active));
    await vi.runAllTimersAsync();
    await done;
    expect(active.max).toBe(8);

    const few = { now: 0, max: 0 };
    const small = runPool([{ name: 'x', ms: 5 }], 32, sleeper([], few));
    await vi.runAllTimersAsync();
    await small;
    expect(few.max).toBe(1);
    await expect(runPool([], 4, sleeper([], few))).resolves.toBeUndefined();
  });

  it('tells each worker its lane, and a lane runs one item at a time (a lane can own a channel)', async () => {
    const busy = new Set<number>();
    const lanesSeen = new Set<number>();
    let clash = false;
    const items = Array.from({ length: 40 }, (_, i) => 5 + (i % 5) * 7);
    const done = runPool(items, 4, async (ms, _i, _signal, lane) => {
      if (busy.has(lane)) clash = true;
      busy.add(lane);
      lanesSeen.add(lane);
      await new Promise<void>((resolve) => setTimeout(resolve, ms));
      busy.delete(lane);
    });
    await vi.runAllTimersAsync();
    await done;
    expect(clash).toBe(false);
    expect([...lanesSeen].sort()).toEqual([0, 1, 2, 3]);
  });

  it('stops on the first error: aborts the running ones, starts nothing new, waits for them', async () => {
    const log: string[] = [];
    const items = [
      { name: 'long', ms: 500 },
      { name: 'bad', ms: 50, fail: true },
      { name: 'never', ms: 10 },
    ];
    const done = runPool(items, 2, sleeper(log, { now: 0, max: 0 }));
    const outcome = expect(done).rejects.toThrow('boom bad');
    await vi.advanceTimersByTimeAsync(60);
    expect(log).toContain('saw abort long');
    // The pool settles only after `long` finished its own cleanup.
    let settled = false;
    void done.catch(() => (settled = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(400);
    await outcome;
    expect(log.some((l) => l.includes('never'))).toBe(false);
  });

  it('stops starting items when the caller aborts', async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const items = [{ name: 'a', ms: 100 }, { name: 'b', ms: 100 }, { name: 'c', ms: 100 }];
    const done = runPool(items, 1, sleeper(log, { now: 0, max: 0 }), { signal: controller.signal });
    const outcome = expect(done).rejects.toThrow('user stop');
    await vi.advanceTimersByTimeAsync(50);
    controller.abort(new Error('user stop'));
    await vi.advanceTimersByTimeAsync(200);
    await outcome;
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a @0']);
  });
});
