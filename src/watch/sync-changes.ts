import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Host } from '../host/types.js';
import { classifyRemote, conflictWindow, isServerEdit, type ConflictWindow, type KeptReport, type Written } from '../sync/plan/conflicts.js';
import { isPrivatePath } from '../sync/scan/ignore.js';
import { lastSyncEnded, noteWatchWrites, readSyncRecord } from '../sync/sync-record.js';
import { planDeletions, type DeletionPlan } from '../sync/plan/changes.js';
import type { LocalEntry, RemoteEntry } from '../sync/types.js';
import { comparePaths } from '../util/compare.js';
import { drainQueue } from '../util/drain-queue.js';
import type { Removal } from './batcher.js';
import type { WatchFilter } from './filter.js';

// Opens sockets: sends one batch of changed paths over the kept-open connection with the SFTP engine
// (temp + rename, mode, mtime), without listing the remote tree: the watcher already says what changed.
// Only the batch's own targets are looked at on the server, to keep what was edited there.

const STAT_CONCURRENCY = 64;

/** Identity of a file's content as far as lstat can tell: a different value means it changed. */
export function fingerprintOf(stats: Pick<Stats, 'ino' | 'size' | 'mtimeMs' | 'mode'>): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.mode}`;
}

function entryType(stats: Stats): LocalEntry['type'] | undefined {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'dir';
  if (stats.isFile()) return 'file';
  return undefined;
}

const isVanished = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  return fs.lstat(file).catch((error: unknown) => {
    if (isVanished(error)) return undefined;
    throw error;
  });
}

export interface LocalSnapshot {
  /** Sorted by path (directories before their contents), as planUpload expects. */
  entries: LocalEntry[];
  /** path → fingerprint at the time of the snapshot. */
  fingerprints: Map<string, string>;
}

// The batch's paths as they are now: vanished ones (their unlink event follows), sockets/FIFOs and
// anything the filter ignores (now that the type is known) are left out. A directory in the batch
// is new (chokidar reports no changes of directories), so its whole contents come along: files
// written into it before chokidar watched it have no event of their own.
export async function snapshotPaths(root: string, paths: readonly string[], filter: WatchFilter): Promise<LocalSnapshot> {
  const entries: LocalEntry[] = [];
  const fingerprints = new Map<string, string>();
  const seen = new Set(paths);
  await drainQueue([...paths], STAT_CONCURRENCY, async (rel, push) => {
    const abs = path.join(root, rel);
    // The watcher sees the project's .mtr/config.yaml (to say it changed); no .mtr/ is ever sent.
    if (isPrivatePath(rel)) return;
    const stats = await lstatOrUndefined(abs);
    const type = stats && entryType(stats);
    if (!stats || !type || filter.isIgnored(rel, type === 'dir')) return;
    if (type === 'dir') {
      for (const name of await fs.readdir(abs).catch(() => [] as string[])) {
        const child = `${rel}/${name}`;
        if (!seen.has(child)) {
          seen.add(child);
          push(child);
        }
      }
    }
    const entry: LocalEntry = { path: rel, type, size: type === 'file' ? stats.size : 0, mtime: Math.floor(stats.mtimeMs / 1000), mode: stats.mode & 0o7777 };
    if (type === 'symlink') {
      const target = await fs.readlink(abs).catch(() => undefined);
      if (target === undefined) return;
      entry.linkTarget = target;
    }
    entries.push(entry);
    fingerprints.set(rel, fingerprintOf(stats));
  });
  entries.sort((a, b) => comparePaths(a.path, b.path));
  return { entries, fingerprints };
}

// A file written while it was being sent (or within chokidar's 50 ms change throttle) has another
// fingerprint afterwards: those paths go round again.
export async function changedSince(root: string, fingerprints: ReadonlyMap<string, string>): Promise<string[]> {
  const changed: string[] = [];
  await drainQueue([...fingerprints.keys()], STAT_CONCURRENCY, async (rel) => {
    const stats = await lstatOrUndefined(path.join(root, rel));
    if (stats && fingerprintOf(stats) !== fingerprints.get(rel)) changed.push(rel);
  });
  return changed.sort(comparePaths);
}

/**
 * Remote deletions for a batch's removals (already known to be missing locally). A removed directory
 * is planned from its remote listing, so the order of the watcher's unlink events does not matter;
 * nothing ignored is touched, nor anything below an ignored directory, and a directory goes only
 * when everything in it goes (planDeletions' rules, as for a full sync).
 */
export function planRemovals(removals: readonly Removal[], removedDirContents: readonly RemoteEntry[], filter: WatchFilter): DeletionPlan {
  const remote = new Map<string, RemoteEntry>();
  for (const r of removals) remote.set(r.path, { path: r.path, type: r.isDir ? 'dir' : 'file', size: 0, mtime: 0, mode: 0 });
  for (const entry of removedDirContents) remote.set(entry.path, entry);
  return planDeletions({ kind: 'scanned', root: '', entries: [], excludedCount: 0 }, remote, (p, isDir) => filter.isIgnored(p, isDir));
}

export interface ChangeSyncRequest {
  /** SFTP, and the deletion helper. */
  host: Pick<Host, 'sftp' | 'capture'>;
  root: string;
  remoteDir: string;
  upserts: readonly string[];
  removals: readonly Removal[];
  filter: WatchFilter;
  deleteRemote: boolean;
  /** The remote $HOME if known (for the deletion guard); read over SFTP otherwise. */
  home?: string;
  /**
   * This target's sync record (sync-record.ts): the server's own edits since the last full sync
   * (or since this session wrote the file, `written`) are kept, never overwritten (conflicts.ts).
   */
  recordName?: string;
  /** What this watch session wrote (path → size, mtime second); kept up to date here. */
  written?: Map<string, Written>;
}

export interface ChangeSyncResult {
  /** Files and links written. */
  filesSent: number;
  /** Directories created. */
  dirsMade: number;
  bytesSent: number;
  deleted: number;
  fingerprints: Map<string, string>;
  home?: string;
  /** The server's own edits moved to the conflicts folder instead of being replaced or deleted. */
  kept: KeptReport[];
}

export async function syncChanges(req: ChangeSyncRequest): Promise<ChangeSyncResult> {
  const window = req.recordName === undefined ? undefined : conflictWindow(lastSyncEnded(readSyncRecord(req.root, req.recordName)), new Date());
  const snapshot = await snapshotPaths(req.root, req.upserts, req.filter);
  const dirs = snapshot.entries.filter((e) => e.type === 'dir').map((e) => e.path);
  const removals = req.deleteRemote ? await stillMissing(req.root, req.removals) : [];
  const removedDirs = removals.filter((r) => r.isDir).map((r) => r.path);
  // Removed files are looked at only to tell the server's own edits (kept) from mtr's copies.
  const removedFiles = window ? removals.filter((r) => !r.isDir).map((r) => r.path) : [];
  let remote: RemoteFacts = { home: req.home, dirs: new Map(), removedDirContents: [] };
  if (dirs.length > 0 || removedDirs.length > 0 || removedFiles.length > 0 || (removals.length > 0 && req.home === undefined)) {
    remote = await inspectRemote(req.host, req.remoteDir, dirs, removedDirs, removedFiles);
  }
  let filesSent = 0;
  let bytesSent = 0;
  let dirsMade = 0;
  const kept: KeptReport[] = [];
  if (snapshot.entries.length > 0) {
    const { syncViaSftp } = await import('../sync/sftp/upload.js');
    const tree = { kind: 'statted', root: req.root, entries: snapshot.entries, excludedCount: 0 } as const;
    // Every file of the batch is sent (the watcher says it changed); only directories are listed.
    const sent = await syncViaSftp({
      host: req.host,
      root: req.root,
      tree,
      remoteDir: req.remoteDir,
      remote: remote.dirs,
      // The listing holds directories only: every file would look new.
      bundle: false,
      ...(window ? keepOptions(req, window, kept) : {}),
      ...(req.written ? { written: req.written } : {}),
    });
    ({ filesSent, bytesSent } = sent);
    dirsMade = sent.plan.mkdirs.length;
    for (const entry of sent.plan.uploads) req.written?.set(entry.path, { size: entry.size, mtime: Math.floor(entry.mtime) });
  }
  let deleted = 0;
  if (removals.length > 0) deleted = await deleteRemoved(req, remote, removals, window, kept);
  if (req.recordName !== undefined && filesSent > 0) noteWatchWrites(req.root, req.recordName);
  const home = remote.home;
  return { filesSent, dirsMade, bytesSent, deleted, fingerprints: snapshot.fingerprints, kept, ...(home === undefined ? {} : { home }) };
}

// Before a file is replaced: its SFTP attributes (the exact time where those cannot tell) decide.
function keepOptions(req: ChangeSyncRequest, window: ConflictWindow, kept: KeptReport[]) {
  return {
    keepServerEdits: window,
    statTargets: true,
    exactTimes: (paths: readonly string[]) => exactTimes(req, paths),
    onKept: (report: KeptReport) => kept.push(report),
  };
}

async function stillMissing(root: string, removals: readonly Removal[]): Promise<Removal[]> {
  const present = await Promise.all(removals.map(async (r) => Boolean(await lstatOrUndefined(path.join(root, r.path)))));
  return removals.filter((_, i) => !present[i]);
}

interface RemoteFacts {
  home: string | undefined;
  /** Remote entries at the batch's directory paths: new ones must be made, existing ones only chmod-ed. */
  dirs: Map<string, RemoteEntry>;
  /** Everything below the removed directories, and the removed files as they are, project-relative. */
  removedDirContents: RemoteEntry[];
}

// One SFTP session for what the server must be asked: $HOME (deletion guard), the batch's directories
// and the contents of removed ones.
async function inspectRemote(host: Pick<Host, 'sftp'>, remoteDir: string, dirs: readonly string[], removedDirs: readonly string[], removedFiles: readonly string[]): Promise<RemoteFacts> {
  const { describeSftpFailure, openSftp, resolveSftpPath, walkSftp } = await import('../sync/sftp/session.js');
  const session = await openSftp(host);
  const facts: RemoteFacts = { home: session.home, dirs: new Map(), removedDirContents: [] };
  try {
    const base = resolveSftpPath(remoteDir, session.home);
    const statDir = async (rel: string) => {
      const stats = await session.lstat(path.posix.join(base, rel)).catch(() => undefined);
      if (!stats) return;
      const type = stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'symlink' : 'file';
      facts.dirs.set(rel, { path: rel, type, size: stats.size, mtime: stats.mtime, mode: stats.mode & 0o7777 });
    };
    const listRemoved = async (rel: string) => {
      const entries = await walkSftp(session, path.posix.join(base, rel)).catch(() => []);
      for (const entry of entries) facts.removedDirContents.push({ ...entry, path: `${rel}/${entry.path}` });
    };
    await Promise.all([...dirs.map(statDir), ...removedDirs.map(listRemoved)]);
    if (removedFiles.length) {
      const { statRemote } = await import('../sync/sftp/keep.js');
      for (const entry of (await statRemote(session, base, removedFiles)).values()) facts.removedDirContents.push(entry);
    }
    return facts;
  } catch (error) {
    throw describeSftpFailure(error, session.closed);
  } finally {
    session.end();
  }
}

async function deleteRemoved(req: ChangeSyncRequest, remote: RemoteFacts, removals: readonly Removal[], window: ConflictWindow | undefined, kept: KeptReport[]): Promise<number> {
  const { checkDeleteTarget } = await import('../sync/plan/delete-guard.js');
  const refusal = checkDeleteTarget(req.remoteDir, remote.home ?? '/');
  if (refusal) throw refusal;
  const plan = planRemovals(removals, remote.removedDirContents, req.filter);
  if (!plan.files.length && !plan.dirs.length) return 0;
  const { applyDeletions, keepRemoteFiles } = await import('../sync/remote/delete.js');
  const keep = window ? await serverEdits(req, plan.files, remote.removedDirContents, window) : [];
  if (keep.length && window) {
    const report = await keepRemoteFiles(req.host, req.remoteDir, keep, window.folder);
    if (report) kept.push(report);
  }
  for (const p of plan.files) req.written?.delete(p);
  const moved = new Set(keep);
  return applyDeletions(req.host, req.remoteDir, { ...plan, files: plan.files.filter((p) => !moved.has(p)) });
}

// The removed paths the server edited since the last sync, by their SFTP attributes (whole
// seconds), asking their exact times only for the ones those cannot place.
async function serverEdits(req: ChangeSyncRequest, paths: readonly string[], attrs: readonly RemoteEntry[], window: ConflictWindow): Promise<string[]> {
  const known = new Map(attrs.map((e) => [e.path, e]));
  const verdicts = paths.map((p) => {
    const entry = known.get(p);
    return { p, verdict: entry ? classifyRemote(entry, window, req.written?.get(p)) : 'ours' };
  });
  const unsure = verdicts.filter((v) => v.verdict === 'unsure').map((v) => v.p);
  const exact = unsure.length ? await exactTimes(req, unsure) : new Map<string, number>();
  return verdicts.filter(({ p, verdict }) => verdict === 'edit' || (verdict === 'unsure' && isServerEdit({ mtime: 0, mtimeMs: exact.get(p) ?? 0 }, window))).map((v) => v.p);
}

async function exactTimes(req: ChangeSyncRequest, paths: readonly string[]): Promise<ReadonlyMap<string, number>> {
  const { readExactMtimes } = await import('../sync/sftp/manifest.js');
  return readExactMtimes(req.host, req.remoteDir, paths);
}
