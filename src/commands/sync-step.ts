import type { Context } from '../context.js';
import type { SshConnection } from '../ssh/connect.js';
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

// The sync before a run or a download: spinner on a terminal; in batch nothing unless -v (one
// summary line) or something needs attention (notices and errors are written where they arise).
export async function runSyncStep(
  ctx: Context,
  session: Session,
  connection: SshConnection | Promise<SshConnection>,
  options: SyncStepOptions,
): Promise<void> {
  const { syncProject } = await import('../sync/sync-project.js');
  const progress = await createProgress(ctx, { live: options.live, summary: options.verbose });
  let summary: string | undefined;
  try {
    const stats = await syncProject({
      ctx,
      server: session.server,
      projectRoot: session.config.projectRoot,
      connection: Promise.resolve(connection),
      target: await commandTarget(session, ctx),
      ...(options.tree ? { tree: options.tree } : {}),
      logger: session.logger,
      deleteRemote: options.deleteRemote || session.server.delete,
      onProgress: (text) => progress.update(text),
    });
    session.logger.debug(`sync: ${JSON.stringify(stats)}`);
    if (stats.filesSent || stats.deleted) {
      const deleted = stats.deleted ? `, deleted ${stats.deleted}` : '';
      summary = `synced ${stats.filesSent} of ${stats.filesTotal} files (${formatBytes(stats.bytesSent)}${deleted}) via ${stats.engine} in ${(stats.ms / 1000).toFixed(1)} s`;
    }
  } finally {
    progress.done(summary);
  }
}
