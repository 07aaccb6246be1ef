// No sockets, no files: a generic helper (the watcher stats its batches with it).

// A LIFO work queue drained by `limit` workers; work may push more jobs. Rejects on the first error.
export function drainQueue<T>(initial: T[], limit: number, work: (job: T, push: (job: T) => void) => Promise<void>): Promise<void> {
  const queue = [...initial];
  let active = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      if (failed) return;
      if (queue.length === 0 && active === 0) return resolve();
      while (active < limit && queue.length > 0) {
        const job = queue.pop() as T;
        active++;
        work(job, (next) => queue.push(next)).then(
          () => {
            active--;
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    pump();
  });
}
