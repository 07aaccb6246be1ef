import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nullLogger } from '../../../src/log.js';
import type { Host } from '../../../src/host/types.js';
import { reconnectWithBackoff, sleep } from '../../../src/watch/link.js';

const fakeConnection = { close: () => undefined } as unknown as Host;

describe('reconnectWithBackoff', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits longer after each failure and returns the first connection that works', async () => {
    const waits: Array<[number, number, string | undefined]> = [];
    let calls = 0;
    const connect = async () => {
      calls++;
      if (calls < 4) throw new Error(`refused ${calls}`);
      return fakeConnection;
    };
    const result = reconnectWithBackoff({
      connect,
      signal: new AbortController().signal,
      logger: nullLogger,
      random: () => 0.5,
      onWait: (attempt, ms, reason) => waits.push([attempt, ms, reason]),
    });
    await vi.advanceTimersByTimeAsync(250 + 500 + 1000 + 2000);
    expect(await result).toBe(fakeConnection);
    expect(waits).toEqual([
      [0, 250, undefined],
      [1, 500, 'refused 1'],
      [2, 1000, 'refused 2'],
      [3, 2000, 'refused 3'],
    ]);
  });

  it('gives up at once when stopped', async () => {
    const controller = new AbortController();
    const connect = vi.fn(async () => fakeConnection);
    const result = reconnectWithBackoff({ connect, signal: controller.signal, logger: nullLogger, onWait: () => undefined });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(await result).toBeUndefined();
    expect(connect).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sleep resolves true after the delay, false when aborted', async () => {
    const controller = new AbortController();
    const done = sleep(100, controller.signal);
    await vi.advanceTimersByTimeAsync(100);
    expect(await done).toBe(true);
    const aborted = sleep(100, controller.signal);
    controller.abort();
    expect(await aborted).toBe(false);
  });
});
