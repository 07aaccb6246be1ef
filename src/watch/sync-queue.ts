import type { Logger } from '../log.js';
import { CONFIG_FILE, isLinkError, modeAfterFailure, planBatch, recoveryFor, type BatchPlan, type SyncMode } from './batch-plan.js';
import { createBatcher, type ChangeBatch, type WatchEvent } from './batcher.js';
import type { LinkSupervisor } from './link-supervisor.js';
import type { ProjectTree } from './project-tree.js';
import type { WatchStatus } from './status.js';
import { createWatchSyncs, type SyncOutcome, type WatchSyncsOptions } from './syncs.js';
import { createTaskQueue } from './task-queue.js';

// Changed paths → batches (debounced, coalesced while a sync runs) → one sync at a time on the
// link: only the changed paths, or the whole project when the rules changed or SFTP was refused.
// Reconnects and the first sync run in the same queue, so nothing overlaps.

/** Debounce: flush after this much quiet, and at the latest this long after a batch's first event. */
export const QUIET_MS = 50;
export const MAX_WAIT_MS = 1000;

export interface SyncQueueOptions {
  /** What the syncs need besides the link, the filter and the re-checks (given here). */
  syncs: Omit<WatchSyncsOptions, 'filter' | 'recheck'>;
  links: Pick<LinkSupervisor, 'link' | 'current'>;
  tree: Pick<ProjectTree, 'filter' | 'reload'>;
  status: WatchStatus;
  logger: Logger;
  /** Aborted when the watch stops: pending events and re-checks are dropped, no batch starts. */
  signal: AbortSignal;
  /** A batch was synced: `paths` are its paths (the restart policy's turn). */
  onSynced: (outcome: SyncOutcome, paths: readonly string[]) => Promise<void>;
  /** A task failed in a way the watch cannot go on from. */
  fail: (error: unknown) => void;
}

export interface SyncQueue {
  /** A watcher event: batched, then synced. */
  push(event: WatchEvent): void;
  /** Runs `task` in the queue (after the sync in flight, before the next batch). */
  run(task: () => Promise<void>): Promise<void>;
  /** The whole project over the current link (call it from a task). */
  full(): Promise<SyncOutcome>;
  /** Resolves once the queue has nothing in flight. */
  idle(): Promise<void>;
}

export function createSyncQueue(options: SyncQueueOptions): SyncQueue {
  const { links, tree, status, logger, signal } = options;
  const tasks = createTaskQueue(options.fail);
  let mode: SyncMode = 'incremental';

  const batcher = createBatcher({
    quietMs: QUIET_MS,
    maxWaitMs: MAX_WAIT_MS,
    isIgnored: (p, isDir) => tree.filter.isIgnored(p, isDir),
    onBatch: (batch) => tasks.run(() => handle(batch)),
    onError: options.fail,
  });
  const syncs = createWatchSyncs({ ...options.syncs, filter: () => tree.filter, recheck: (event) => batcher.push(event) });
  const halt = () => {
    batcher.close();
    syncs.cancel();
  };
  if (signal.aborted) halt();
  else signal.addEventListener('abort', halt, { once: true });

  const full = () => syncs.full(links.current());

  async function send(plan: BatchPlan): Promise<SyncOutcome | undefined> {
    switch (plan.sync) {
      case 'none':
        return undefined;
      case 'rules':
        status.line('ignore rules changed; rescanning the project');
        await tree.reload();
        return full();
      case 'full':
        return full();
      case 'changes':
        return syncs.changes(links.current(), plan.batch);
    }
  }

  async function recover(error: unknown): Promise<SyncOutcome | undefined> {
    if (recoveryFor({ error, stopping: signal.aborted, connected: Boolean(links.link) }) === 'leave') return undefined;
    mode = modeAfterFailure(mode, error);
    logger.debug(`watch: incremental sync failed, trying a full sync: ${String(error)}`);
    try {
      return await full();
    } catch (again) {
      if (!isLinkError(again)) status.failed(again);
      return undefined;
    }
  }

  async function handle(incoming: ChangeBatch): Promise<void> {
    if (signal.aborted || !links.link) return;
    const plan = planBatch(incoming, mode);
    if (plan.configChanged) status.line(`${CONFIG_FILE} changed; restart mtr --watch to apply it`);
    if (plan.sync === 'none') return;
    logger.debug(`watch: batch of ${plan.paths.length} paths (${plan.batch.events} events, ${plan.batch.reason})`);
    status.phase({ kind: 'syncing', paths: plan.paths.length });
    const outcome = await send(plan).catch(recover);
    if (!outcome) return;
    // A batch that moved nothing (say, a directory that already exists remotely) is not reported.
    if (outcome.changed || outcome.report.full) status.synced(outcome.report);
    else status.phase({ kind: 'watching' });
    await options.onSynced(outcome, plan.paths);
  }

  return {
    push: (event) => batcher.push(event),
    run: (task) => tasks.run(task),
    full,
    idle: () => tasks.idle(),
  };
}
