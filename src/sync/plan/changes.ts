import path from 'node:path';
import { isPrivatePath } from '../scan/ignore.js';
import { classifyRemote, type ConflictWindow, type Written } from './conflicts.js';
import { isRacy } from '../sync-record.js';
import type { LocalEntry, LocalTree, RemoteEntry, StattedTree } from '../types.js';
import { comparePaths } from '../../util/compare.js';

// What the SFTP engine has to do, decided from the two listings alone: pure, table-tested.

export interface ModeFix {
  path: string;
  mode: number;
}

export interface UploadPlan {
  /** Directories to create, parents first. */
  mkdirs: string[];
  /** Files to send: missing remotely, size / whole-second mtime / type differ, or changed since the last sync began. */
  uploads: LocalEntry[];
  /** chmod only: new directories (mkdir is masked by umask) and entries whose permission bits differ. */
  modeFixes: ModeFix[];
  /** Symlinks to (re)create: missing, another target, or a target the listing could not read. */
  symlinks: LocalEntry[];
  /** Remote files or symlinks standing where a local directory goes: unlinked before mkdir. */
  removals: string[];
  /** Remote directories standing where a local file or symlink goes: refused, never removed. */
  conflicts: string[];
  unchanged: number;
  /** Bytes in `uploads`. */
  bytes: number;
  /**
   * Entries SFTP cannot name: their path (or a symlink's target) is not valid UTF-8, and SFTP
   * requests carry names as UTF-8 strings. Never sent; reported instead.
   */
  unsendable: LocalEntry[];
}

export interface PlanOptions {
  /**
   * When the last complete sync to this remote began (file system clock, ms; sync-record.ts). A
   * file changed since then may share its size and mtime second with the copy that sync sent, so
   * it is sent again however it compares; older files compare by size and whole second.
   */
  changedSinceMs?: number;
}

export function planUpload(local: StattedTree, remote: ReadonlyMap<string, RemoteEntry>, options: PlanOptions = {}): UploadPlan {
  const plan: UploadPlan = { mkdirs: [], uploads: [], modeFixes: [], symlinks: [], removals: [], conflicts: [], unchanged: 0, bytes: 0, unsendable: [] };
  // Under a path that is (re)created nothing remote is trusted: its remote listing is of something else.
  const fresh = new Set<string>();
  const parentIsFresh = (p: string) => fresh.has(path.posix.dirname(p));
  for (const entry of local.entries) {
    // A name that is not UTF-8 (a directory's too: its contents have raw paths as well).
    if (entry.raw || entry.targetNotUtf8) {
      plan.unsendable.push(entry);
      continue;
    }
    const found = parentIsFresh(entry.path) ? undefined : remote.get(entry.path);
    const mode = entry.mode & 0o7777;
    if (entry.type === 'dir') {
      if (found?.type === 'dir') {
        if ((found.mode & 0o7777) !== mode) plan.modeFixes.push({ path: entry.path, mode });
        else plan.unchanged++;
        continue;
      }
      if (found) plan.removals.push(entry.path);
      plan.mkdirs.push(entry.path);
      plan.modeFixes.push({ path: entry.path, mode });
      fresh.add(entry.path);
    } else if (found?.type === 'dir') {
      plan.conflicts.push(entry.path);
    } else if (entry.type === 'symlink') {
      if (found?.type === 'symlink' && found.linkTarget !== undefined && found.linkTarget === entry.linkTarget) plan.unchanged++;
      else plan.symlinks.push(entry);
    } else if (found?.type !== 'file' || found.size !== entry.size || found.mtime !== Math.floor(entry.mtime) || isRacy(entry, options.changedSinceMs)) {
      plan.uploads.push(entry);
      plan.bytes += entry.size;
    } else if ((found.mode & 0o7777) !== mode) {
      plan.modeFixes.push({ path: entry.path, mode });
    } else {
      plan.unchanged++;
    }
  }
  return plan;
}

/**
 * What the upload would replace or remove that the server edited since the last sync
 * (conflicts.ts): remote files and symlinks standing where a file, a symlink or a directory goes.
 * `remote` may lack some of them (watch mode lists none): those are looked up by the caller, and
 * so are the exact times of the `unsure` ones.
 */
export function planKeeps(
  plan: UploadPlan,
  remote: ReadonlyMap<string, RemoteEntry>,
  window: ConflictWindow,
  written?: ReadonlyMap<string, Written>,
): { keep: string[]; unsure: string[] } {
  const keep: string[] = [];
  const unsure: string[] = [];
  for (const p of [...plan.uploads.map((e) => e.path), ...plan.symlinks.map((e) => e.path), ...plan.removals]) {
    const found = remote.get(p);
    if (!found || found.type === 'dir') continue;
    const verdict = classifyRemote(found, window, written?.get(p));
    if (verdict === 'edit') keep.push(p);
    else if (verdict === 'unsure') unsure.push(p);
  }
  return { keep: keep.sort(), unsure: unsure.sort() };
}

export interface DeletionPlan {
  /** Files and symlinks to remove. */
  files: string[];
  /** Directories left empty by the deletions, deepest first. */
  dirs: string[];
}

/**
 * Remote entries that no longer exist locally. Nothing ignored is touched, nor anything below an
 * ignored directory (a gitignored remote `outputs/` stays), nor any `.git` or `.mtr` at any depth
 * whatever `isIgnored` says, and a directory goes only when every entry inside it goes too.
 */
export function planDeletions(
  local: LocalTree,
  remote: ReadonlyMap<string, RemoteEntry>,
  isIgnored: (path: string, isDir: boolean) => boolean,
): DeletionPlan {
  const present = new Set(local.entries.map((e) => e.path));
  const sorted = [...remote.values()].sort((a, b) => comparePaths(a.path, b.path));
  const protectedDirs = new Set<string>();
  const kept = new Set<string>();
  const files: string[] = [];
  const dirs: string[] = [];
  const keep = (p: string) => {
    for (let d = path.posix.dirname(p); d !== '.' && !kept.has(d); d = path.posix.dirname(d)) kept.add(d);
  };
  const underProtected = (p: string) => {
    for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) if (protectedDirs.has(d)) return true;
    return false;
  };
  for (const entry of sorted) {
    const isDir = entry.type === 'dir';
    if (underProtected(entry.path) || isPrivatePath(entry.path) || isIgnored(entry.path, isDir)) {
      if (isDir) protectedDirs.add(entry.path);
      keep(entry.path);
    } else if (present.has(entry.path)) {
      keep(entry.path);
    } else if (isDir) {
      dirs.push(entry.path);
    } else {
      files.push(entry.path);
    }
  }
  const emptied = dirs.filter((d) => !kept.has(d));
  // Deepest first, so rmdir meets each directory after its children.
  emptied.sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
  return { files, dirs: emptied };
}
