import type { Context } from '../context.js';
import type { Host } from '../host/types.js';
import { isLinkError } from './batch-plan.js';
import { createCommandRuns, type CommandRuns } from './command-runs.js';
import type { JobRunner } from './job-runner.js';
import { createLinkSupervisor } from './link-supervisor.js';
import { createProjectTree } from './project-tree.js';
import { describePaths, type WatchStatus } from './status.js';
import { createSyncQueue } from './sync-queue.js';
import type { WatchSession } from './syncs.js';

// The watch engine, wired from its parts: the link (link-supervisor), the watched project
// (project-tree), the queue that syncs batches one at a time (sync-queue) and the command's runs
// (command-runs). One stop signal ends them all.

export interface WatchLoopOptions {
  ctx: Context;
  session: WatchSession;
  status: WatchStatus;
  deleteRemote: boolean;
  connect: () => Promise<Host>;
  /** With a command: its runs. */
  runner?: JobRunner;
  /** A fatal problem: the loop cannot go on (watcher limits, the command cannot start). */
  fail: (error: unknown) => void;
}

export interface WatchLoop {
  /** Connects, watches, runs the initial sync (and the first run); resolves once watching. */
  start(): Promise<void>;
  /** Stops watching, ends the current run gracefully, closes the connection. */
  stop(): Promise<void>;
  /** Closes everything at once, waiting for nothing (a second Ctrl+C). */
  abandon(): void;
}

export function createWatchLoop(options: WatchLoopOptions): WatchLoop {
  const { ctx, session, status, runner } = options;
  const root = session.projectRoot;
  const { server, logger } = session;
  const stopping = new AbortController();
  const { signal } = stopping;

  const links = createLinkSupervisor({
    connect: options.connect,
    logger,
    signal,
    onDrop: () => void queue.run(reconnect),
    onWait: (attempt, inMs, reason) => status.phase({ kind: 'reconnecting', attempt, inMs, ...(reason ? { reason } : {}) }),
  });
  const tree = createProjectTree({
    root,
    server,
    logFile: logger.file,
    onEvent: (event) => queue.push(event),
    onFatal: options.fail,
    onNote: (text) => status.line(text),
  });
  const runs: CommandRuns | undefined = runner ? createCommandRuns({ runner, links, status, signal }) : undefined;
  const queue = createSyncQueue({
    // The syncs' notices become status notes (raw writes would break the live line).
    syncs: { ctx, session, deleteRemote: options.deleteRemote, notify: (notice) => status.notice(notice) },
    links,
    tree,
    status,
    logger,
    signal,
    onSynced: async (outcome, paths) => runs?.afterSync('change', outcome.changed, `${describePaths(paths)} changed`),
    fail: options.fail,
  });

  async function reconnect(): Promise<void> {
    status.line('connection lost; reconnecting');
    if (!(await links.reconnect())) return;
    status.line('reconnected; syncing the whole project');
    await afterConnect('reconnect');
  }

  // A full sync so nothing done while disconnected (or before the watcher was ready) is missed.
  async function afterConnect(cause: 'initial' | 'reconnect'): Promise<void> {
    let changed = 0;
    try {
      const outcome = await queue.full();
      changed = outcome.changed;
      status.synced(outcome.report);
    } catch (error) {
      if (cause === 'initial') throw error;
      if (!isLinkError(error)) status.failed(error);
      return;
    }
    if (cause === 'initial') await runs?.first();
    else await runs?.afterSync('reconnect', changed, 'reconnected');
  }

  async function start(): Promise<void> {
    // The full sync runs after the watcher is ready: a change during its scan is then either seen
    // by the sync or reported by the watcher, never neither.
    const [connected, watching] = await Promise.allSettled([options.connect(), tree.open()]);
    if (connected.status === 'fulfilled') await links.attach(connected.value);
    if (connected.status === 'rejected') throw connected.reason;
    if (watching.status === 'rejected') throw watching.reason;
    if (signal.aborted) return;
    let failure: { error: unknown } | undefined;
    await queue.run(() => afterConnect('initial').catch((error: unknown) => void (failure = { error })));
    if (failure) throw failure.error;
    if (signal.aborted) return;
    status.line(`watching ${root} → ${server.name}:${server.remoteDir} (Ctrl+C to stop)`);
    status.phase({ kind: 'watching' });
  }

  let starting: Promise<void> = Promise.resolve();
  return {
    start() {
      starting = start();
      return starting;
    },

    async stop() {
      stopping.abort();
      await starting.catch(() => undefined);
      await queue.idle();
      await tree.close();
      await runs?.finish();
      links.close();
      status.close();
    },

    abandon() {
      stopping.abort();
      void tree.close();
      links.close();
      status.close();
    },
  };
}
