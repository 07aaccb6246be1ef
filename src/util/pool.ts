// A sliding window of workers: the next item starts the moment any running one finishes, so one slow
// item never stalls the others (fixed batches would wait for their slowest member). SFTP transfers and
// fan-out hosts run through it. No sockets here.

export interface PoolOptions {
  /** Aborting stops new items from starting; the pool rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** `lane` (0 … limit-1) is the worker slot running the item: lanes can own a resource, e.g. a channel. */
export type PoolWorker<T> = (item: T, index: number, signal: AbortSignal, lane: number) => Promise<void>;

/**
 * Runs `worker` over `items` with at most `limit` in flight. On the first failure no further item
 * starts, the shared signal aborts, and the pool rejects with that first error once the running items
 * have settled (so their cleanup, e.g. removing temp files, finishes before the caller moves on).
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  worker: PoolWorker<T>,
  options: PoolOptions = {},
): Promise<void> {
  const width = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  const controller = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) throw outer.reason ?? new Error('aborted');
  outer?.addEventListener('abort', onOuterAbort, { once: true });

  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (_: unknown, laneIndex: number): Promise<void> => {
    while (!controller.signal.aborted && next < items.length) {
      const index = next++;
      try {
        await worker(items[index] as T, index, controller.signal, laneIndex);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: width }, lane));
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (failure) throw failure.error;
  if (controller.signal.aborted) throw controller.signal.reason ?? new Error('aborted');
}
