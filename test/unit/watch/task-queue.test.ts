import { describe, expect, it } from 'vitest';
import { createTaskQueue } from '../../../src/watch/task-queue.js';

const deferred = () => {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('createTaskQueue', () => {
  it('runs tasks one at a time, in order; a failure is reported and the next task still runs', async () => {
    const errors: unknown[] = [];
    const queue = createTaskQueue((error) => errors.push(error));
    const log: string[] = [];
    const gate = deferred();
    void queue.run(async () => {
      log.push('1 start');
      await gate.promise;
      log.push('1 end');
    });
    void queue.run(async () => {
      log.push('2');
      throw new Error('boom');
    });
    const third = queue.run(async () => void log.push('3'));
    await Promise.resolve();
    expect(log).toEqual(['1 start']);
    gate.resolve();
    await third;
    expect(log).toEqual(['1 start', '1 end', '2', '3']);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('idle resolves once what was queued has settled', async () => {
    const queue = createTaskQueue(() => undefined);
    const gate = deferred();
    let done = false;
    void queue.run(async () => {
      await gate.promise;
      done = true;
    });
    const idle = queue.idle();
    gate.resolve();
    await idle;
    expect(done).toBe(true);
  });
});
