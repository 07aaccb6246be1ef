import { describe, expect, it } from 'vitest';
import { drainQueue } from '../../../src/util/drain-queue.js';

describe('drainQueue', () => {
  it('runs pushed jobs, never more than `limit` at once', async () => {
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await drainQueue([0], 4, async (n, push) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (n < 31) push(2 * n + 1), push(2 * n + 2);
      done.push(n);
      active--;
    });
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 63 }, (_, i) => i));
    expect(peak).toBe(4);
  });

  it('rejects with the first error', async () => {
    await expect(drainQueue([1, 2, 3], 2, async (n) => { if (n === 2) throw new Error('boom'); })).rejects.toThrow('boom');
  });

  it('resolves at once with no jobs', async () => {
    await expect(drainQueue([], 4, async () => {})).resolves.toBeUndefined();
  });
});
