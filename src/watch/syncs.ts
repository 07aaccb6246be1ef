import type { ServerConfig } from '../config/types.js';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import type { Notify } from '../sync/notice.js';
import type { ChangeBatch, WatchEvent } from './batcher.js';
import type { WatchFilter } from './filter.js';
import type { Link } from './link.js';
import type { SyncReport } from './status.js';

// The two syncs of watch mode: the whole project (start, after a reconnect, new ignore rules) through
// the configured engine, and one batch of changed paths over SFTP on the kept-open link.

/** chokidar drops a path's `change` events for 50 ms after one: re-check uploaded files after that. */
const RECHECK_AFTER_MS = 60;

export interface SyncOutcome {
  report: SyncReport;
  /** Entries written or deleted remotely (what decides a restart). */
  changed: number;
}

/** What the watch syncs: the project, to which server, with which log. */
export interface WatchSession {
  readonly server: ServerConfig;
  readonly projectRoot: string;
  readonly logger: Logger;
}

export interface WatchSyncsOptions {
  ctx: Context;
  /** The syncs' notices (another engine, names not sent), shown as status notes. */
  notify: Notify;
  session: WatchSession;
  deleteRemote: boolean;
  filter: () => WatchFilter;
  /** Paths to sync again: written while (or just after) they were sent. */
  recheck: (event: WatchEvent) => void;
}

export interface WatchSyncs {
  full(link: Link): Promise<SyncOutcome>;
  changes(link: Link, batch: ChangeBatch): Promise<SyncOutcome>;
  /** Drops pending re-checks. */
  cancel(): void;
}

export function createWatchSyncs(options: WatchSyncsOptions): WatchSyncs {
  const { session } = options;
  const root = session.projectRoot;
  const timers = new Set<NodeJS.Timeout>();
  // What this session wrote on the server: a later look finds it as it left it, not an edit there.
  const written = new Map<string, { size: number; mtime: number }>();
  let cancelled = false;

  // Files written during their upload (or inside chokidar's change throttle) are sent again.
  const scheduleRecheck = (fingerprints: Map<string, string>, lastEventAt: number) => {
    if (!fingerprints.size || cancelled) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (cancelled) return;
      void import('./sync-changes.js')
        .then(({ changedSince }) => changedSince(root, fingerprints))
        .then((changed) => changed.forEach((p) => options.recheck({ kind: 'change', path: p })))
        .catch((error: unknown) => session.logger.debug(`watch: re-check failed: ${String(error)}`));
    }, Math.max(0, lastEventAt + RECHECK_AFTER_MS - Date.now()));
    timers.add(timer);
  };

  return {
    async full(link) {
      // A full sync looks at every file: what it leaves is judged by its end from now on.
      written.clear();
      const { syncProject } = await import('../sync/sync-project.js');
      const stats = await syncProject({
        ctx: options.ctx,
        server: session.server,
        projectRoot: root,
        connection: Promise.resolve(link.connection),
        target: link.connection.target,
        logger: session.logger,
        deleteRemote: options.deleteRemote,
        notify: options.notify,
      });
      const { filesSent, bytesSent, deleted, ms, filesTotal, engine } = stats;
      return { report: { at: new Date(), full: true, filesSent, bytesSent, deleted, ms, filesTotal, engine }, changed: filesSent + deleted };
    },

    async changes(link, batch) {
      const started = Date.now();
      const { syncChanges } = await import('./sync-changes.js');
      const { syncRecordName } = await import('../sync/sync-record.js');
      const result = await syncChanges({
        host: link.connection,
        root,
        remoteDir: session.server.remoteDir,
        upserts: batch.upserts,
        removals: batch.removals,
        filter: options.filter(),
        deleteRemote: options.deleteRemote,
        ...(link.home === undefined ? {} : { home: link.home }),
        recordName: syncRecordName(link.connection.target, session.server.remoteDir),
        written,
      });
      if (result.home !== undefined) link.home = result.home;
      if (result.kept.length) {
        const { formatKeptNotice } = await import('../sync/plan/conflicts.js');
        const notice = formatKeptNotice(session.server.name, result.kept);
        if (notice) options.ctx.stderr.write(`mtr: ${notice}\n`);
      }
      scheduleRecheck(result.fingerprints, batch.lastEventAt);
      const now = Date.now();
      const { filesSent, bytesSent, deleted } = result;
      return {
        report: { at: new Date(now), full: false, filesSent, bytesSent, deleted, ms: now - started, latencyMs: now - batch.firstEventAt },
        changed: filesSent + result.dirsMade + deleted,
      };
    },

    cancel() {
      cancelled = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
