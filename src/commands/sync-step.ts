import type { Context } from '../context.js';
import { ExitError } from '../errors.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { Host } from '../host/types.js';
import { printNotices } from '../sync/notice.js';
import { createProgress, formatBytes } from '../ui/progress.js';
import type { LocalTree } from '../sync/types.js';
import { commandTarget, type Session } from './session.js';

export interface SyncStepOptions {
  /** The local scan, when it was started early (while connecting). */
  tree?: Promise<LocalTree>;
  /** Spinner allowed (interactive mode). */
  live: boolean;
  /** Batch mode: print the summary line (-v); otherwise mtr says nothing when all went well. */
  verbose: boolean;
  deleteRemote: boolean;
}

/** After Ctrl+C / SIGTERM, how long the sync may take to remove its temp files before the link is cut. */
const CLEANUP_GRACE_MS = 2000;

// The sync before a run or a download: spinner on a terminal; in batch nothing unless -v (one
// summary line) or something needs attention (notices and errors are written where they arise).
// Ctrl+C / SIGTERM stop it: temp files on the server are removed while the link answers (a second
// signal, or CLEANUP_GRACE_MS, cuts the link), and mtr exits 130 / 143.
export async function runSyncStep(
  ctx: Context,
  session: Session,
  connection: Host | Promise<Host>,
  options: SyncStepOptions,
): Promise<void> {
  const { syncProject } = await import('../sync/sync-project.js');
  const progress = await createProgress(ctx, { live: options.live, summary: options.verbose });
  let summary: string | undefined;
  const stop = new AbortController();
  let stoppedBy: StopSignal | undefined;
  let giveUp: (() => void) | undefined;
  const givenUp = new Promise<never>((_, reject) => (giveUp = () => reject(new ExitError(SIGNAL_EXIT[stoppedBy ?? 'SIGINT']))));
  givenUp.catch(() => undefined);
  const cut = () => {
    session.logger.debug('sync: stopped; closing the connection');
    void Promise.resolve(connection).then((c) => c.close(), () => undefined);
    giveUp?.();
  };
  let graceTimer: NodeJS.Timeout | undefined;
  const removeSignals = onStopSignals((signal) => {
    if (stoppedBy) return cut();
    stoppedBy = signal;
    session.logger.debug(`${signal} during the sync: stopping it`);
    stop.abort(new ExitError(SIGNAL_EXIT[signal]));
    graceTimer = setTimeout(cut, CLEANUP_GRACE_MS);
    graceTimer.unref();
  });
  try {
    const syncing = syncProject({
      ctx,
      server: session.server,
      projectRoot: session.config.projectRoot,
      connection: Promise.resolve(connection),
      target: await commandTarget(session, ctx),
      ...(options.tree ? { tree: options.tree } : {}),
      logger: session.logger,
      deleteRemote: options.deleteRemote || session.server.delete,
      onProgress: (text) => progress.update(text),
      notify: printNotices(ctx.stderr),
      signal: stop.signal,
    });
    syncing.catch(() => undefined);
    const stats = await Promise.race([syncing, givenUp]).catch((error: unknown) => {
      if (stoppedBy) throw new ExitError(SIGNAL_EXIT[stoppedBy]);
      throw error;
    });
    session.logger.debug(`sync: ${JSON.stringify(stats)}`);
    if (stats.filesSent || stats.deleted) {
      const deleted = stats.deleted ? `, deleted ${stats.deleted}` : '';
      summary = `synced ${stats.filesSent} of ${stats.filesTotal} files (${formatBytes(stats.bytesSent)}${deleted}) via ${stats.engine} in ${(stats.ms / 1000).toFixed(1)} s`;
    }
  } finally {
    clearTimeout(graceTimer);
    removeSignals();
    progress.done(summary);
  }
}
