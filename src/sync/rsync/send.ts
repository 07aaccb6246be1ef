// The upload with rsync, made to send every changed file. rsync skips a file whose size and mtime
// match the remote copy, to the second by default: an edit within that second would never go.
// Where the target was checked to allow it (rsync/ns.ts) and the local file system keeps
// sub-second times, rsync compares to the nanosecond instead: nothing else to do. Elsewhere the
// files changed since the last complete sync began (sync-record.ts) that the usual pass did not
// send go again in a second pass, compared by checksum: only when there are any, found (one lstat
// per file) while the first pass runs.
import type { Logger } from '../../log.js';
import { pathBytes, toRsyncExcludeList, toRsyncFileList } from '../scan/file-list.js';
import type { RsyncProgressUpdate, RsyncSummary } from './progress.js';
import { rsyncCapabilities, type RsyncVersion } from './version.js';
import type { LocalTree, ScannedEntry } from '../types.js';
import { filesChangedSince } from '../scan/walk.js';

/** One rsync invocation (rsync/run.ts runRsync with the target's common options filled in). */
export type RunPass = (pass: {
  excludeList: Buffer;
  recheck?: boolean;
  nanosecondWindow?: boolean;
  onSentFile?: (name: Buffer) => void;
  onProgress?: (progress: RsyncProgressUpdate) => void;
}) => Promise<RsyncSummary>;

export interface RsyncSendRequest {
  tree: LocalTree;
  /** From this target's sync record: when its last complete sync began. */
  changedSinceMs?: number;
  /** Compare nanoseconds (wantsNanoseconds). */
  nanoseconds?: boolean;
  run: RunPass;
  /**
   * Sends the doubtful files another way when this rsync cannot take a file list (openrsync);
   * undefined: rsync's own second pass.
   */
  sendDoubtful?: (entries: ScannedEntry[]) => Promise<RsyncSummary>;
  log: Logger;
  onProgress?: (progress: RsyncProgressUpdate) => void;
}

export interface RsyncSendResult extends RsyncSummary {
  /** The server refused the nanosecond compare after all (its rsync changed): no more asking. */
  nanosecondsRefused?: true;
}

/**
 * Nanoseconds are used where this rsync can, the target was found able (`rsyncNs`, from the sync
 * record), and the local file system keeps sub-second times (the scan's clock reading has a
 * fraction: on a file system that stamps whole seconds two edits in one second look the same).
 */
export function wantsNanoseconds(version: RsyncVersion | undefined, rsyncNs: boolean | undefined, clockMs: number | undefined): boolean {
  if (!version || !rsyncCapabilities(version).nanosecondWindow || rsyncNs !== true) return false;
  return clockMs !== undefined && clockMs % 1000 !== 0;
}

const nameKey = (bytes: Buffer): string => bytes.toString('latin1');

/** The changed files the first pass did not send (by name, as rsync printed them). */
export function pickDoubtful(changed: readonly ScannedEntry[], sent: ReadonlySet<string>): ScannedEntry[] {
  return changed.filter((entry) => !sent.has(nameKey(pathBytes(entry))));
}

export async function sendWithRsync(req: RsyncSendRequest): Promise<RsyncSendResult> {
  const excludeList = toRsyncExcludeList(req.tree);
  const progress = req.onProgress ? { onProgress: req.onProgress } : {};
  if (req.nanoseconds) {
    try {
      return await req.run({ excludeList, nanosecondWindow: true, ...progress });
    } catch (error) {
      const { RemoteRsyncNoNanoseconds } = await import('./errors.js');
      if (!(error instanceof RemoteRsyncNoNanoseconds)) throw error;
      req.log.debug('sync: the remote rsync refused --modify-window=-1; comparing whole seconds, with a second look');
      return { ...(await sendWithSecondLook(req, excludeList, progress)), nanosecondsRefused: true };
    }
  }
  return sendWithSecondLook(req, excludeList, progress);
}

async function sendWithSecondLook(req: RsyncSendRequest, excludeList: Buffer, progress: Pick<RsyncSendRequest, 'onProgress'>): Promise<RsyncSummary> {
  const since = req.changedSinceMs;
  if (since === undefined) return req.run({ excludeList, ...progress });
  const changed = filesChangedSince(req.tree, since);
  changed.catch(() => undefined);
  const sent = new Set<string>();
  const main = await req.run({ excludeList, onSentFile: (name) => sent.add(nameKey(name)), ...progress });
  const doubtful = pickDoubtful(await changed, sent);
  if (doubtful.length === 0) return main;
  req.log.debug(`sync: ${doubtful.length} files changed since the last sync began kept their size and mtime second: comparing them by checksum`);
  const again = req.sendDoubtful ? await req.sendDoubtful(doubtful) : await req.run({ excludeList: toRsyncFileList({ entries: doubtful }), recheck: true });
  return { filesSent: main.filesSent + again.filesSent, bytesSent: main.bytesSent + again.bytesSent };
}
