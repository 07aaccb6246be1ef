import type { Context } from '../context.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { SyncPolicy } from '../plan/types.js';
import type { Host } from '../host/types.js';
import { printNotices } from '../sync/notice.js';
import { createProgress } from '../ui/progress.js';
import { formatSyncLine } from '../watch/status.js';
import type { LocalTree, SyncStats } from '../sync/types.js';
import type { Session } from './session.js';

/** How the sync ended: done, or stopped by Ctrl+C / SIGTERM (the exit code to end with: 130 / 143). */
export type SyncStepEnd = { stopped: false; stats: SyncStats } | { stopped: true; exitCode: number };

/** After Ctrl+C / SIGTERM, how long the sync may take to remove its temp files before the link is cut. */
const CLEANUP_GRACE_MS = 2000;

/** The reason a stopped sync's engine is aborted with: it unwinds the transfer, never leaves this module. */
class SyncStopped extends Error {
  constructor(readonly signal: StopSignal) {
    super(`sync stopped by ${signal}`);
  }
}

// The sync before a run or a download: spinner on a terminal; in batch nothing unless -v (one
// summary line) or something needs attention (notices and errors are written where they arise).
// Ctrl+C / SIGTERM stop it: temp files on the server are removed while the link answers (a second
// signal, or CLEANUP_GRACE_MS, cuts the link), and the step ends as stopped.
export async function runSyncStep(
  ctx: Context,
  session: Session,
  connection: Host | Promise<Host>,
  policy: SyncPolicy,
  tree?: Promise<LocalTree>,
): Promise<SyncStepEnd> {
  const { syncProject } = await import('../sync/sync-project.js');
  const progress = await createProgress(ctx, { live: policy.live, summary: policy.verbose });
  let summary: string | undefined;
  const stop = new AbortController();
  let stoppedBy: StopSignal | undefined;
  let giveUp: (() => void) | undefined;
  const givenUp = new Promise<never>((_, reject) => (giveUp = () => reject(new SyncStopped(stoppedBy ?? 'SIGINT'))));
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
    stop.abort(new SyncStopped(signal));
    graceTimer = setTimeout(cut, CLEANUP_GRACE_MS);
    graceTimer.unref();
  });
  try {
    const syncing = syncProject({
      ctx,
      server: session.server,
      projectRoot: session.projectRoot,
      connection: Promise.resolve(connection),
      target: session.target,
      ...(tree ? { tree } : {}),
      logger: session.logger,
      deleteRemote: policy.delete,
      onProgress: (text) => {
        progress.update(text);
        ctx.onProgress?.(text);
      },
      notify: printNotices(ctx.stderr),
      signal: stop.signal,
    });
    syncing.catch(() => undefined);
    const stats = await Promise.race([syncing, givenUp]).catch((error: unknown) => {
      if (stoppedBy) return undefined;
      throw error;
    });
    if (!stats) return { stopped: true, exitCode: SIGNAL_EXIT[stoppedBy ?? 'SIGINT'] };
    session.logger.debug(`sync: ${JSON.stringify(stats)}`);
    if (stats.filesSent || stats.deleted) {
      const { filesSent, filesTotal, bytesSent, deleted, engine, ms } = stats;
      summary = formatSyncLine({ full: true, filesSent, filesTotal, bytesSent, deleted, engine, ms });
    }
    return { stopped: false, stats };
  } finally {
    clearTimeout(graceTimer);
    removeSignals();
    progress.done(summary);
  }
}
