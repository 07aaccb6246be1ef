// Reads and writes files: what each remote target's last complete sync left behind. Both engines
// skip a file whose size and whole-second mtime match the remote copy; an edit made within that
// same second keeps both, so it would never be sent. A file changed since the last complete sync
// began is exactly the one that may be such an edit (anything older was seen whole by that sync),
// so the next sync sends it whatever it compares like: git's "racily clean" rule. When that sync
// ended tells edits made on the server since apart from what mtr sent (conflicts.ts). One tiny file
// per target in the project's `.mtr/sync-state/`, which is never synced; written only after a sync
// succeeded, whole (temp + rename) or not at all.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_DIR } from '../config/find.js';
import type { LocalEntry } from './types.js';
import { writeFileWhole } from '../util/write-whole.js';

export interface SyncRecord {
  /** When that sync's scan began, by the project's file system clock (ms, as lstat reports mtimes). */
  startedMs: number;
  /**
   * When it ended, by this machine's clock (ms): every file mtr had sent by then carries an older
   * mtime, and every file on the server that differed from the local one had been looked at.
   */
  endedMs?: number;
  /**
   * Watch mode sent files since (over SFTP: whole-second mtimes). The next rsync sync compares whole
   * seconds, so it does not take those for changed (and their replaced copies for the server's).
   */
  watchWrote?: true;
  /** What rsync/ns.ts found out about this target: may rsync compare nanoseconds there? */
  rsyncNs?: boolean;
}

/** A record as read back: plus when it was written (the record file's own mtime, same clock). */
export type StoredSyncRecord = SyncRecord & { writtenMs: number };

const STATE_DIR = 'sync-state';

/**
 * A file modified at or after `changedSinceMs` (the last complete sync's start): its size and mtime
 * second prove nothing. Without a record nothing is doubtful (the first sync compares as before).
 */
export function isRacy(entry: Pick<LocalEntry, 'mtime' | 'mtimeMs'>, changedSinceMs: number | undefined): boolean {
  if (changedSinceMs === undefined) return false;
  // Without the exact mtime, anything within that second counts.
  return entry.mtimeMs !== undefined ? entry.mtimeMs >= changedSinceMs : (entry.mtime + 1) * 1000 > changedSinceMs;
}

/** One record per remote place: login, host, port and remote_dir as configured. */
export function syncRecordName(target: { user: string; host: string; port: number }, remoteDir: string): string {
  const id = createHash('sha256').update(`${target.user}\0${target.host}\0${target.port}\0${remoteDir}`).digest('hex').slice(0, 24);
  return `${id}.json`;
}

function stateDir(projectRoot: string): string {
  return path.join(projectRoot, CONFIG_DIR, STATE_DIR);
}

// Private, and invisible to git when `.mtr/` itself is committed (its own `.gitignore` says `*`).
function makeStateDir(projectRoot: string): string {
  const dir = stateDir(projectRoot);
  if (fs.mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) fs.writeFileSync(path.join(dir, '.gitignore'), '*\n', { mode: 0o600 });
  return dir;
}

/**
 * "Now" as the project's file system stamps it: the mtime of a file created in `.mtr/` and removed
 * again. Edits after this moment get an mtime at least this large (a coarse kernel clock can stamp a
 * tick behind Date.now(); a network file system stamps by its server's clock). undefined when
 * `.mtr/` is not writable: then nothing is recorded, and the next sync compares as before.
 */
export function readFileSystemClock(projectRoot: string): number | undefined {
  const probe = path.join(projectRoot, CONFIG_DIR, `.clock-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fd = fs.openSync(probe, 'wx', 0o600);
    try {
      return fs.fstatSync(fd).mtimeMs;
    } finally {
      fs.closeSync(fd);
      fs.rmSync(probe, { force: true });
    }
  } catch {
    return undefined;
  }
}

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** When the last sync ended: as recorded, else (a record from before that was kept) when it was written. */
export function lastSyncEnded(record: StoredSyncRecord | undefined): number | undefined {
  return record === undefined ? undefined : (record.endedMs ?? record.writtenMs);
}

/** The record, or undefined when missing or unreadable (a damaged record counts as none). */
export function readSyncRecord(projectRoot: string, name: string): StoredSyncRecord | undefined {
  try {
    const fd = fs.openSync(path.join(stateDir(projectRoot), name), 'r');
    try {
      const writtenMs = fs.fstatSync(fd).mtimeMs;
      const parsed = JSON.parse(fs.readFileSync(fd, 'utf8')) as { startedMs?: unknown; endedMs?: unknown; rsyncNs?: unknown; watchWrote?: unknown };
      if (!isTime(parsed.startedMs)) return undefined;
      return {
        startedMs: parsed.startedMs,
        writtenMs,
        ...(isTime(parsed.endedMs) ? { endedMs: parsed.endedMs } : {}),
        ...(typeof parsed.rsyncNs === 'boolean' ? { rsyncNs: parsed.rsyncNs } : {}),
        ...(parsed.watchWrote === true ? { watchWrote: true as const } : {}),
      };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * What to record after a sync that began at `done.startedMs` succeeded. A record written while it
 * ran (another mtr syncing the same target) may have sent older content after this sync looked:
 * the earlier start of the two is kept, so the files either may have raced stay doubtful.
 */
export function nextSyncRecord(done: SyncRecord, existing: StoredSyncRecord | undefined): SyncRecord {
  const overlapped = existing !== undefined && existing.writtenMs >= done.startedMs;
  const startedMs = overlapped ? Math.min(existing.startedMs, done.startedMs) : done.startedMs;
  const rsyncNs = done.rsyncNs ?? existing?.rsyncNs;
  // The later end of the two: files either sent are older than it.
  const ends = [done.endedMs, existing?.endedMs].filter((t): t is number => t !== undefined);
  // A watcher's writes made while this sync ran are not covered by it.
  const watchWrote = done.watchWrote ?? (overlapped ? existing.watchWrote : undefined);
  return {
    startedMs,
    ...(ends.length ? { endedMs: Math.max(...ends) } : {}),
    ...(rsyncNs === undefined ? {} : { rsyncNs }),
    ...(watchWrote ? { watchWrote } : {}),
  };
}

/** Watch mode sent files: noted once (nothing to note without a record). */
export function noteWatchWrites(projectRoot: string, name: string): boolean {
  const existing = readSyncRecord(projectRoot, name);
  if (!existing || existing.watchWrote) return false;
  const { writtenMs: _written, ...kept } = existing;
  return writeSyncRecord(projectRoot, name, { ...kept, watchWrote: true });
}

/** Records a successful sync; false when it could not be written (the next sync is then as before). */
export function writeSyncRecord(projectRoot: string, name: string, done: SyncRecord): boolean {
  const file = path.join(stateDir(projectRoot), name);
  try {
    const record = nextSyncRecord(done, readSyncRecord(projectRoot, name));
    makeStateDir(projectRoot);
    return writeFileWhole(file, () => `${JSON.stringify(record)}\n`);
  } catch {
    return false;
  }
}
