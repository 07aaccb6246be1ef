import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatcher, foldEvent, summarize, type ChangeBatch, type WatchEvent, type WatchEventKind } from '../../../src/watch/batcher.js';

const ev = (spec: string): WatchEvent => {
  const [kind, path] = spec.split(' ') as [WatchEventKind, string];
  return { kind, path };
};

function fold(...specs: string[]) {
  const states = new Map();
  for (const spec of specs) foldEvent(states, ev(spec));
  const { upserts, removals } = summarize(states);
  return { upserts, removals: removals.map((r) => `${r.path}${r.isDir ? '/' : ''}`) };
}

describe('foldEvent + summarize', () => {
  const _ = (events: string[], upserts: string[], removals: string[] = []) => [events.join(', '), events, upserts, removals] as const;
  it.each([
    _(['add a'], ['a']),
    _(['change a'], ['a']),
    _(['unlink a'], [], ['a']),
    _(['change a', 'change a', 'change a'], ['a']),
    // A file made and removed inside one batch never existed as far as the remote is concerned.
    _(['add tmp', 'unlink tmp'], []),
    _(['add tmp', 'change tmp', 'unlink tmp'], []),
    // Delete + recreate is an edit.
    _(['unlink a', 'add a'], ['a']),
    _(['change a', 'unlink a'], [], ['a']),
    // Rename: old gone, new there.
    _(['unlink old', 'add new'], ['new'], ['old']),
    // Editor atomic save: temp written, renamed over the target.
    _(['add a.txt.tmp', 'change a.txt.tmp', 'unlink a.txt.tmp', 'change a.txt'], ['a.txt']),
    _(['addDir d', 'add d/x', 'add d/y'], ['d', 'd/x', 'd/y']),
    _(['unlink d/x', 'unlinkDir d'], [], ['d/', 'd/x']),
    _(['addDir d', 'unlinkDir d'], []),
    // Sorted output, directories before their contents.
    _(['add b', 'add a/z', 'addDir a'], ['a', 'a/z', 'b']),
  ])('%s', (_title, events, upserts, removals) => {
    expect(fold(...events)).toEqual({ upserts, removals });
  });
});

describe('createBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(overrides: { onBatch?: (batch: ChangeBatch) => Promise<void> | void; isIgnored?: (p: string, isDir: boolean) => boolean } = {}) {
    const batches: ChangeBatch[] = [];
    const errors: unknown[] = [];
    const batcher = createBatcher({
      quietMs: 50,
      maxWaitMs: 1000,
      onBatch: overrides.onBatch ?? ((batch) => void batches.push(batch)),
      onError: (error) => errors.push(error),
      ...(overrides.isIgnored ? { isIgnored: overrides.isIgnored } : {}),
    });
    return { batcher, batches, errors };
  }

  it('waits for a quiet period, then hands over one de-duplicated batch', async () => {
    const { batcher, batches } = setup();
    batcher.push(ev('change a'));
    await vi.advanceTimersByTimeAsync(30);
    batcher.push(ev('change a'));
    batcher.push(ev('add b'));
    await vi.advanceTimersByTimeAsync(49);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ upserts: ['a', 'b'], removals: [], events: 3, reason: 'quiet' });
    expect(batches[0]!.lastEventAt - batches[0]!.firstEventAt).toBe(30);
    expect(batcher.pending).toBe(0);
  });

  it('flushes at the max wait while events keep coming, then goes on batching', async () => {
    const { batcher, batches } = setup();
    for (let t = 0; t < 2500; t += 20) {
      batcher.push(ev(`change f${t % 7}`));
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(batches.map((b) => b.reason)).toEqual(['max-wait', 'max-wait']);
    await vi.advanceTimersByTimeAsync(50);
    expect(batches.map((b) => b.reason)).toEqual(['max-wait', 'max-wait', 'quiet']);
    expect(batches[0]!.upserts).toHaveLength(7);
  });

  it('turns a burst of 1,000 events into one batch', async () => {
    const { batcher, batches } = setup();
    for (let i = 0; i < 1000; i++) {
      batcher.push(ev(`add src/f${i}`));
      if (i % 50 === 0) await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.upserts).toHaveLength(1000);
  });

  it('never has two batches in flight: events during a sync form the next batch', async () => {
    let release: () => void = () => undefined;
    const seen: string[][] = [];
    const { batcher } = setup({
      onBatch: (batch) => {
        seen.push(batch.upserts);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    batcher.push(ev('change a'));
    await vi.advanceTimersByTimeAsync(50);
    expect(seen).toEqual([['a']]);
    batcher.push(ev('change b'));
    batcher.push(ev('change c'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toEqual([['a']]);
    expect(batcher.pending).toBe(2);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([['a'], ['b', 'c']]);
    release();
    await batcher.idle();
  });

  it('waits out the quiet period of events that arrive just as a sync ends', async () => {
    let release: () => void = () => undefined;
    const seen: string[][] = [];
    const { batcher } = setup({
      onBatch: (batch) => {
        seen.push(batch.upserts);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    batcher.push(ev('change a'));
    await vi.advanceTimersByTimeAsync(50);
    batcher.push(ev('change b'));
    await vi.advanceTimersByTimeAsync(10);
    release();
    await vi.advanceTimersByTimeAsync(20);
    expect(seen).toEqual([['a']]);
    await vi.advanceTimersByTimeAsync(20);
    expect(seen).toEqual([['a'], ['b']]);
    release();
  });

  it('drops ignored paths on arrival and batches that cancel out', async () => {
    const { batcher, batches } = setup({ isIgnored: (p, isDir) => p.endsWith('.swp') || (isDir && p === 'build') });
    batcher.push(ev('add .a.swp'));
    batcher.push(ev('addDir build'));
    batcher.push(ev('add tmp'));
    batcher.push(ev('unlink tmp'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(batches).toEqual([]);
    expect(batcher.pending).toBe(0);
  });

  it('reports a failing handler and keeps batching', async () => {
    let calls = 0;
    const { batcher, errors } = setup({
      onBatch: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
    });
    batcher.push(ev('change a'));
    await vi.advanceTimersByTimeAsync(50);
    batcher.push(ev('change b'));
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('close drops pending events and stops the timers', async () => {
    const { batcher, batches } = setup();
    batcher.push(ev('change a'));
    batcher.close();
    batcher.push(ev('change b'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(batches).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
