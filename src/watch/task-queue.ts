// One thing at a time: watch's syncs, restarts and reconnects run one after another (events keep
// batching meanwhile). A task's failure goes to `onError` and never breaks the chain.

export interface TaskQueue {
  /** Runs `task` after everything queued before it; resolves once it settled. */
  run(task: () => Promise<void>): Promise<void>;
  /** Resolves once everything queued so far has settled. */
  idle(): Promise<void>;
}

export function createTaskQueue(onError: (error: unknown) => void): TaskQueue {
  let tail: Promise<void> = Promise.resolve();
  return {
    run(task) {
      tail = tail.then(task).catch(onError);
      return tail;
    },
    idle: () => tail,
  };
}
