import path from 'node:path';
import { Writable } from 'node:stream';
import type { Context } from '../context.js';
import { ConnectionError, EXIT, MtrError, SftpUnavailableError } from '../errors.js';
import type { Host } from '../host/types.js';
import { createIgnoreMatcher, readRulesFile } from '../sync/ignore.js';
import { syncExcludes } from '../sync/sync-project.js';
import { createBatcher, type ChangeBatch } from './batcher.js';
import { createWatchFilter, type WatchFilter } from './filter.js';
import type { JobRunner } from './job-runner.js';
import { openLink, reconnectWithBackoff, type Link } from './link.js';
import { shouldRestart } from './restart-plan.js';
import { describePaths, formatRestartLine, type WatchStatus } from './status.js';
import { createWatchSyncs, type SyncOutcome, type WatchSession } from './syncs.js';
import { startWatcher, type ProjectWatcher } from './watcher.js';

// The watch engine: one kept-open connection, a watcher feeding the batcher, and one serial queue
// that runs syncs, restarts and reconnects one at a time (events keep batching meanwhile).

/** Debounce: flush after this much quiet, and at the latest this long after a batch's first event. */
export const QUIET_MS = 50;
export const MAX_WAIT_MS = 1000;

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

const RULE_FILES = new Set(['.gitignore', '.mtrignore']);
const CONFIG_FILE = '.mtr/config.yaml';

export function touchesRules(paths: readonly string[]): boolean {
  return paths.some((p) => RULE_FILES.has(path.posix.basename(p)));
}

const isLinkError = (error: unknown) => error instanceof ConnectionError;

export function createWatchLoop(options: WatchLoopOptions): WatchLoop {
  const { ctx, session, status, runner } = options;
  const root = session.projectRoot;
  const { server, logger } = session;
  const abort = new AbortController();
  let link: Link | undefined;
  let watcher: ProjectWatcher | undefined;
  let filter = buildFilter();
  let stopping = false;
  let sftpRefused = false;
  let queue: Promise<void> = Promise.resolve();
  let starting: Promise<void> = Promise.resolve();

  // Runs tasks one after another; a task's failure is reported, never breaks the chain.
  const serial = (task: () => Promise<void>): Promise<void> => {
    queue = queue.then(task).catch((error: unknown) => options.fail(error));
    return queue;
  };

  const batcher = createBatcher({
    quietMs: QUIET_MS,
    maxWaitMs: MAX_WAIT_MS,
    isIgnored: (p, isDir) => filter.isIgnored(p, isDir),
    onBatch: (batch) => serial(() => handleBatch(batch)),
    onError: options.fail,
  });

  const syncs = createWatchSyncs({
    // The engines' notices on stderr become status lines (raw writes would break the live line).
    ctx: { ...ctx, stderr: lineWriter((text) => status.line(text.replace(/^mtr: /, ''))) },
    session,
    deleteRemote: options.deleteRemote,
    filter: () => filter,
    recheck: (event) => batcher.push(event),
  });

  // The log file may live inside the project: never react to mtr's own writes.
  function buildFilter(): WatchFilter {
    const matcher = createIgnoreMatcher(root, { exclude: syncExcludes(server, root), respectGitignore: server.respectGitignore, readFile: readRulesFile });
    const log = logger.file ? path.relative(root, logger.file).split(path.sep).join('/') : undefined;
    return createWatchFilter(matcher, { ownPaths: log && !log.startsWith('..') ? [log] : [] });
  }

  const openWatcher = () =>
    startWatcher({
      root,
      filter: { isIgnored: (p, isDir) => filter.isIgnored(p, isDir) },
      onEvent: (event) => batcher.push(event),
      onError: (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOSPC' && code !== 'EMFILE') return status.line(`watch: ${error.message}`);
        options.fail(
          new MtrError(`cannot watch every directory of the project (${code})`, {
            exitCode: EXIT.failed,
            hint: 'exclude big generated directories (.mtrignore), or raise the limit: sudo sysctl fs.inotify.max_user_watches=524288',
            cause: error,
          }),
        );
      },
    });

  async function attach(connection: Host): Promise<void> {
    link = await openLink(connection, (closed) => {
      if (stopping || link !== closed) return;
      link = undefined;
      logger.debug('watch: connection closed');
      void serial(reconnect);
    });
  }

  const currentLink = (): Link => {
    if (!link) throw new ConnectionError('not connected');
    return link;
  };

  async function handleBatch(incoming: ChangeBatch): Promise<void> {
    if (stopping || !link) return;
    // The config is watched only to say it changed: like all of .mtr/, it is never sent.
    const configChanged = incoming.upserts.includes(CONFIG_FILE) || incoming.removals.some((r) => r.path === CONFIG_FILE);
    if (configChanged) status.line(`${CONFIG_FILE} changed; restart mtr --watch to apply it`);
    const batch: ChangeBatch = {
      ...incoming,
      upserts: incoming.upserts.filter((p) => p !== CONFIG_FILE),
      removals: incoming.removals.filter((r) => r.path !== CONFIG_FILE),
    };
    const paths = [...batch.upserts, ...batch.removals.map((r) => r.path)];
    if (!paths.length) return;
    logger.debug(`watch: batch of ${paths.length} paths (${batch.events} events, ${batch.reason})`);
    status.phase({ kind: 'syncing', paths: paths.length });
    let outcome: SyncOutcome | undefined;
    try {
      if (touchesRules(paths)) outcome = await reloadRules();
      else if (sftpRefused) outcome = await syncs.full(currentLink());
      else outcome = await syncs.changes(currentLink(), batch);
    } catch (error) {
      outcome = await recoverFromSyncError(error);
    }
    if (!outcome) return;
    // A batch that moved nothing (say, a directory that already exists remotely) is not reported.
    if (outcome.changed || outcome.report.full) status.synced(outcome.report);
    else status.phase({ kind: 'watching' });
    if (runner && shouldRestart({ cause: 'change', changed: outcome.changed, running: runner.running })) {
      await restartRun(`${describePaths(paths)} changed`);
    }
  }

  // A failed incremental sync is retried once as a full sync (it repairs a remote that drifted);
  // a dropped link is left to the reconnect, which does a full sync anyway.
  async function recoverFromSyncError(error: unknown): Promise<SyncOutcome | undefined> {
    if (stopping || !link || isLinkError(error)) return undefined;
    if (error instanceof SftpUnavailableError) sftpRefused = true;
    logger.debug(`watch: incremental sync failed, trying a full sync: ${String(error)}`);
    try {
      return await syncs.full(currentLink());
    } catch (again) {
      if (!isLinkError(again)) reportError(again);
      return undefined;
    }
  }

  function reportError(error: unknown): void {
    const hint = error instanceof MtrError && error.hint ? ` (fix: ${error.hint})` : '';
    status.line(`sync failed: ${error instanceof Error ? error.message : String(error)}${hint}`);
    status.phase({ kind: 'watching' });
  }

  // New ignore rules: directories they free were never watched, so the watcher starts over, then a
  // full sync sends what the old rules held back.
  async function reloadRules(): Promise<SyncOutcome> {
    status.line('ignore rules changed; rescanning the project');
    filter = buildFilter();
    await watcher?.close();
    watcher = await openWatcher();
    return syncs.full(currentLink());
  }

  async function restartRun(why: string): Promise<void> {
    if (!runner || !link || stopping) return;
    await runner.stop(link.connection);
    if (!link || stopping) return;
    status.line(formatRestartLine(runner.runs + 1, why));
    await runner.start(link.connection);
  }

  async function reconnect(): Promise<void> {
    status.line('connection lost; reconnecting');
    const connection = await reconnectWithBackoff({
      connect: options.connect,
      signal: abort.signal,
      logger,
      onWait: (attempt, inMs, reason) => status.phase({ kind: 'reconnecting', attempt, inMs, ...(reason ? { reason } : {}) }),
    });
    if (!connection) return;
    if (stopping) return connection.close();
    await attach(connection);
    status.line('reconnected; syncing the whole project');
    await afterConnect('reconnect');
  }

  // A full sync so nothing done while disconnected (or before the watcher was ready) is missed.
  async function afterConnect(cause: 'initial' | 'reconnect'): Promise<void> {
    let changed = 0;
    try {
      const outcome = await syncs.full(currentLink());
      changed = outcome.changed;
      status.synced(outcome.report);
    } catch (error) {
      if (cause === 'initial') throw error;
      if (!isLinkError(error)) reportError(error);
      return;
    }
    if (!runner || stopping) return;
    if (cause === 'initial') await runner.start(currentLink().connection);
    else if (shouldRestart({ cause, changed, running: runner.running })) await restartRun('reconnected');
  }

  async function start(): Promise<void> {
    // The full sync runs after the watcher is ready: a change during its scan is then either seen
    // by the sync or reported by the watcher, never neither.
    const [connected, watching] = await Promise.allSettled([options.connect(), openWatcher()]);
    if (watching.status === 'fulfilled') watcher = watching.value;
    if (connected.status === 'fulfilled') await attach(connected.value);
    if (connected.status === 'rejected') throw connected.reason;
    if (watching.status === 'rejected') throw watching.reason;
    if (stopping) return;
    let failure: { error: unknown } | undefined;
    await serial(() => afterConnect('initial').catch((error: unknown) => void (failure = { error })));
    if (failure) throw failure.error;
    if (stopping) return;
    status.line(`watching ${root} → ${server.name}:${server.remoteDir} (Ctrl+C to stop)`);
    status.phase({ kind: 'watching' });
  }

  const halt = () => {
    stopping = true;
    abort.abort();
    batcher.close();
    syncs.cancel();
  };

  return {
    start() {
      starting = start();
      return starting;
    },

    async stop() {
      halt();
      await starting.catch(() => undefined);
      await queue;
      await watcher?.close();
      if (runner?.running && link) {
        status.line('stopping the command (Ctrl+C again to stop waiting)');
        await runner.stop(link.connection);
      } else if (runner?.running) {
        status.line(`job ${runner.currentName} keeps running on the server (no connection to stop it)`);
      }
      link?.connection.close();
      link = undefined;
      status.close();
    },

    abandon() {
      halt();
      void watcher?.close();
      link?.connection.close();
      link = undefined;
      status.close();
    },
  };
}

// A stream that hands each complete line written to it to `onLine`.
function lineWriter(onLine: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) onLine(text);
      done();
    },
  });
}
