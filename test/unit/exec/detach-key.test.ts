import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDetachFilter } from '../../../src/exec/detach-key.js';

const B = (...bytes: number[]) => Buffer.from(bytes);

describe('createDetachFilter (Ctrl+] then d)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it.each([
    ['plain keys pass through', [B(0x61, 0x62)], [[0x61, 0x62]], false],
    ['Ctrl+] d detaches, nothing forwarded', [B(0x1d, 0x64)], [[]], true],
    ['Ctrl+] D detaches too', [B(0x1d, 0x44)], [[]], true],
    ['Ctrl+] x forwards both', [B(0x1d, 0x78)], [[0x1d, 0x78]], false],
    ['split across chunks', [B(0x61, 0x1d), B(0x64)], [[0x61], []], true],
    ['Ctrl+] Ctrl+] d: first forwarded, then detach', [B(0x1d, 0x1d, 0x64)], [[0x1d]], true],
    ['Ctrl+C passes', [B(0x03)], [[0x03]], false],
  ])('%s', (_name, chunks, forwards, detaches) => {
    const filter = createDetachFilter(() => undefined);
    let detached = false;
    chunks.forEach((chunk, i) => {
      const { forward, detach } = filter.feed(chunk);
      expect([...forward]).toEqual(forwards[i]);
      detached ||= detach;
    });
    expect(detached).toBe(detaches);
  });

  it('a lone Ctrl+] reaches the program after the hold time', () => {
    const flushed: Buffer[] = [];
    const filter = createDetachFilter((held) => flushed.push(held), 400);
    expect([...filter.feed(B(0x1d)).forward]).toEqual([]);
    vi.advanceTimersByTime(399);
    expect(flushed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushed.map((b) => [...b])).toEqual([[0x1d]]);
    expect([...filter.feed(B(0x64)).forward]).toEqual([0x64]);
  });
});
