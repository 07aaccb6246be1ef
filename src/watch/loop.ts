import path from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from 'ssh2';
import type { Session } from '../commands/session.js';
import type { Context } from '../context.js';
import { ConnectionError, MtrError } from '../errors.js';
import type { SshConnection } from '../ssh/connect.js';
import { createIgnoreMatcher, readRulesFile } from '../sync/ignore.js';
import { backoffDelay } from './backoff.js';
import { createBatcher, type ChangeBatch } from './batcher.js';
import { createWatchFilter, type WatchFilter } from './filter.js';
import type { JobRunner } from './job-runner.js';
import { shouldRestart, type RestartCause } from './restart-plan.js';
import { describePaths, formatRestartLine, type SyncReport, type WatchStatus } from './status.js';
import { startWatcher, type ProjectWatcher } from './watcher.js';

// The watch engine: one kept-open connection, a watcher feeding the batcher, and one serial queue
// that runs syncs, restarts and reconnects one at a time (events keep batching meanwhile).

/** Debounce: flush after this much quiet, and at the latest this long after a batch's first event. */
export const QUIET_MS = 50;
export const MAX_WAIT_MS = 1000;
/** chokidar drops a path's `change` events for 50 ms after one: re-check uploaded files after that. */
const VERIFY_AFTER_MS = 60;

export interface WatchLoopOptions {
  ctx: Context;
  session: Session;
  status: WatchStatus;
  deleteRemote: boolean;
  connect: () => Promise<SshConnection>;
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

interface Link {
  connection: SshConnection;
  client: Client;
  /** The remote $HOME, once an SFTP session told it. */
  home?: string;
}

const RULE_FILES = new Set(['.gitignore', '.mtrignore']);
const CONFIG_FILE = '.mtr/config.yaml';

export function touchesRules(paths: readonly string[]): boolean {
  return paths.some((p) => RULE_FILES.has(path.posix.basename(p)));
}

const isLinkError = (error: unknown) => error instanceof ConnectionError;

export function createWatchLoop(options: WatchLoopOptions): WatchLoop {
  const { ctx, session, status, runner } = options;
  const root = session.config.projectRoot;
  const { server, logger } = session;
  const abort = new AbortController();
  const verifyTimers = new Set<NodeJS.Timeout>();
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

  // The log file may live inside the project: never react to mtr's own writes.
  function buildFilter(): WatchFilter {
    const matcher = createIgnoreMatcher(root, { exclude: server.exclude, respectGitignore: server.respectGitignore, readFile: readRulesFile });
    const log = logger.file ? path.relative(root, logger.file).split(path.sep).join('/') : undefined;
    return createWatchFilter(matcher, { ownPaths: log && !log.startsWith('..') ? [log] : [] });
  }

  // Notices the sync engines write to stderr become status lines (they would break the live line).
  const syncCtx: Context = {
    ...ctx,
    stderr: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) status.line(text.replace(/^mtr: /, ''));
        done();
      },
    }),
  };

  const openWatcher = () =>
    startWatcher({
      root,
      filter: { isIgnored: (p, isDir) => filter.isIgnored(p, isDir) },
      onEvent: (event) => batcher.push(event),
      onError: (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOSPC' || code === 'EMFILE') {
          options.fail(new MtrError(`cannot watch every directory of the project (${code})`, {
            exitCode: 1,
            hint: 'exclude big generated directories (.mtrignore), or raise the limit: sudo sysctl fs.inotify.max_user_watches=524288',
            cause: error,
          }));
        } else {
          status.line(`watch: ${error.message}`);
        }
      },
    });

  async function attach(connection: SshConnection): Promise<void> {
    const client = await connection.ssh2();
    const mine: Link = { connection, client };
    link = mine;
    client.once('close', () => {
      if (stopping || link !== mine) return;
      link = undefined;
      logger.debug('watch: connection closed');
      void serial(reconnect);
    });
  }

  const currentLink = (): Link => {
    if (!link) throw new ConnectionError('not connected');
    return link;
  };

  async function fullSync(): Promise<SyncReport> {
    const current = currentLink();
    const { syncProject } = await import('../sync/sync-project.js');
    const stats = await syncProject({ ctx: syncCtx, server, projectRoot: root, connection: current.connection, logger, deleteRemote: options.deleteRemote });
    return { at: new Date(), full: true, filesSent: stats.filesSent, bytesSent: stats.bytesSent, deleted: stats.deleted, ms: stats.ms, filesTotal: stats.filesTotal, engine: stats.engine };
  }

  async function incrementalSync(batch: ChangeBatch): Promise<SyncReport & { entries: number }> {
    const current = currentLink();
    const started = Date.now();
    const { syncChanges } = await import('./sync-changes.js');
    const result = await syncChanges({
      sftpClient: current.client,
      exec: current.connection.client,
      root,
      remoteDir: server.remoteDir,
      upserts: batch.upserts,
      removals: batch.removals,
      filter,
      deleteRemote: options.deleteRemote,
      ...(current.home === undefined ? {} : { home: current.home }),
    });
    if (result.home !== undefined) current.home = result.home;
    scheduleVerify(result.fingerprints, batch.lastEventAt);
    const now = Date.now();
    return { at: new Date(now), full: false, filesSent: result.filesSent, bytesSent: result.bytesSent, deleted: result.deleted, ms: now - started, latencyMs: now - batch.firstEventAt, entries: result.entries + result.deleted };
  }

  // Files written during their upload (or inside chokidar's change throttle) are sent again.
  function scheduleVerify(fingerprints: Map<string, string>, lastEventAt: number): void {
    if (!fingerprints.size) return;
    const timer = setTimeout(() => {
      verifyTimers.delete(timer);
      if (stopping) return;
      void import('./sync-changes.js')
        .then(({ changedSince }) => changedSince(root, fingerprints))
        .then((changed) => changed.forEach((p) => batcher.push({ kind: 'change', path: p })))
        .catch((error: unknown) => logger.debug(`watch: verify failed: ${String(error)}`));
    }, Math.max(0, lastEventAt + VERIFY_AFTER_MS - Date.now()));
    verifyTimers.add(timer);
  }

  async function handleBatch(batch: ChangeBatch): Promise<void> {
    if (stopping || !link) return;
    const paths = [...batch.upserts, ...batch.removals.map((r) => r.path)];
    logger.debug(`watch: batch of ${paths.length} paths (${batch.events} events, ${batch.reason})`);
    if (paths.includes(CONFIG_FILE)) status.line(`${CONFIG_FILE} changed; restart mtr --watch to apply it`);
    status.phase({ kind: 'syncing', paths: paths.length });
    let report: SyncReport;
    let changed: number;
    try {
      if (touchesRules(paths)) {
        report = await reloadRules();
        changed = report.filesSent + report.deleted;
      } else if (sftpRefused) {
        report = await fullSync();
        changed = report.filesSent + report.deleted;
      } else {
        const incremental = await incrementalSync(batch);
        ({ entries: changed, ...report } = incremental);
      }
    } catch (error) {
      const recovered = await recoverFromSyncError(error);
      if (!recovered) return;
      report = recovered;
      changed = recovered.filesSent + recovered.deleted;
    }
    status.synced(report);
    if (runner && shouldRestart({ cause: 'change', changed, running: runner.running })) {
      await restartRun(`${describePaths(paths)} changed`);
    }
  }

  // A failed incremental sync is retried once as a full sync (it repairs a remote that drifted);
  // a dropped link is left to the reconnect, which does a full sync anyway.
  async function recoverFromSyncError(error: unknown): Promise<SyncReport | undefined> {
    if (stopping || !link || isLinkError(error)) return undefined;
    if (error instanceof MtrError && /refused an SFTP channel/.test(error.message)) sftpRefused = true;
    logger.debug(`watch: incremental sync failed, trying a full sync: ${String(error)}`);
    try {
      return await fullSync();
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
  async function reloadRules(): Promise<SyncReport> {
    status.line('ignore rules changed; rescanning the project');
    filter = buildFilter();
    await watcher?.close();
    watcher = await openWatcher();
    return fullSync();
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
    let reason: string | undefined;
    for (let attempt = 0; !link; attempt++) {
      const delay = backoffDelay(attempt);
      status.phase({ kind: 'reconnecting', attempt, inMs: delay, ...(reason ? { reason } : {}) });
      const waited = await sleep(delay, abort.signal);
      if (!waited || stopping) return;
      try {
        await attach(await options.connect());
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
        logger.debug(`watch: reconnect attempt ${attempt + 1} failed: ${reason}`);
      }
    }
    status.line('reconnected; syncing the whole project');
    await afterConnect('reconnect');
  }

  // A full sync so nothing done while disconnected (or before the watcher was ready) is missed.
  async function afterConnect(cause: RestartCause | 'initial'): Promise<void> {
    let changed = 0;
    try {
      const report = await fullSync();
      changed = report.filesSent + report.deleted;
      status.synced(report);
    } catch (error) {
      if (cause === 'initial') throw error;
      if (!isLinkError(error)) reportError(error);
      return;
    }
    if (!runner || stopping) return;
    if (cause === 'initial') {
      await runner.start(currentLink().connection);
    } else if (shouldRestart({ cause, changed, running: runner.running })) {
      await restartRun('reconnected');
    }
  }

  async function start(): Promise<void> {
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

  return {
    start() {
      starting = start();
      return starting;
    },

    async stop() {
      stopping = true;
      abort.abort();
      batcher.close();
      for (const timer of verifyTimers) clearTimeout(timer);
      await starting.catch(() => undefined);
      await queue;
      await watcher?.close();
      if (runner?.running) {
        if (link) status.line('stopping the command (Ctrl+C again to stop waiting)');
        if (link) await runner.stop(link.connection);
        else status.line(`job ${runner.currentName} keeps running on the server (no connection to stop it)`);
      }
      link?.connection.close();
      link = undefined;
      status.close();
    },

    abandon() {
      stopping = true;
      abort.abort();
      batcher.close();
      for (const timer of verifyTimers) clearTimeout(timer);
      void watcher?.close();
      link?.connection.close();
      link = undefined;
      status.close();
    },
  };
}

/** Resolves true after `ms`, or false at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
