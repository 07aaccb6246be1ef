import { describe, expect, it } from 'vitest';
import { backoffDelay, RECONNECT_BACKOFF } from '../../../src/watch/backoff.js';

describe('backoffDelay', () => {
  const middle = () => 0.5;
  it.each([
    [0, 250],
    [1, 500],
    [2, 1000],
    [3, 2000],
    [5, 8000],
    [6, 15_000],
    [50, 15_000],
    [-1, 250],
  ])('attempt %i → %i ms (no jitter at random=0.5)', (attempt, ms) => {
    expect(backoffDelay(attempt, middle)).toBe(ms);
  });

  it('jitters ±20 % and never passes the cap', () => {
    expect(backoffDelay(2, () => 0)).toBe(800);
    expect(backoffDelay(2, () => 0.999999)).toBe(1200);
    expect(backoffDelay(20, () => 0.999999)).toBe(RECONNECT_BACKOFF.maxMs);
  });
});
