import path from 'node:path';
import type { LocalEntry, RemoteEntry } from '../types.js';
import type { ModeFix, UploadPlan } from './changes.js';

// Which part of an SFTP upload travels as one tar stream instead (pure, table-tested): the new
// directories, and the new small files and symlinks. Each costs three round trips over SFTP; as a
// bundle they cost one exec whatever their number. They are unpacked into a private folder on the
// server and only then moved into place (sftp/bundle.ts), so no real name ever holds half a file.
// Replaced files stay with SFTP: the server's edits are kept before those are overwritten.

export interface BundleLimits {
  /** Fewer new entries than this go over SFTP: a bundle's exec is not worth it. */
  minEntries: number;
  /** Larger files go over SFTP (streamed with bounded memory). */
  maxFileBytes: number;
}

export const BUNDLE_LIMITS: BundleLimits = { minEntries: 16, maxFileBytes: 256 * 1024 };

/** How a bundle's entry gets its real name: a whole new directory at once, or entries into an existing one. */
export type BundleMove = { kind: 'dir'; path: string } | { kind: 'into'; dir: string; names: string[] };

export interface Bundle {
  /** Directories the archive makes: every new one of the plan, parents first. */
  dirs: string[];
  /** New files and symlinks. */
  entries: LocalEntry[];
  /**
   * The new directories' modes, set by the bundle itself once everything is in place, when nothing
   * is left for SFTP to write (then the upload needs no SFTP session at all). Absent: SFTP sets
   * them last, after its own files (a read-only directory must not refuse them).
   */
  modes?: ModeFix[];
}

export interface BundleSplit {
  bundle?: Bundle;
  /** What SFTP still does: without the bundle's directories and entries (all of it without a bundle). */
  rest: UploadPlan;
}

export function planBundle(plan: UploadPlan, remote: ReadonlyMap<string, RemoteEntry>, limits: BundleLimits = BUNDLE_LIMITS): BundleSplit {
  const fresh = new Set(plan.mkdirs);
  const isNew = (entry: LocalEntry) => fresh.has(path.posix.dirname(entry.path)) || !remote.has(entry.path);
  const files = plan.uploads.filter((e) => isNew(e) && e.size <= limits.maxFileBytes);
  const links = plan.symlinks.filter(isNew);
  const count = plan.mkdirs.length + files.length + links.length;
  if (count === 0 || count < limits.minEntries) return { rest: plan };
  const bundled = new Set([...files, ...links]);
  const uploads = plan.uploads.filter((e) => !bundled.has(e));
  const symlinks = plan.symlinks.filter((e) => !bundled.has(e));
  // Everything SFTP would do is the bundle's: its directories' modes too.
  const whole = !uploads.length && !symlinks.length && !plan.removals.length && plan.modeFixes.every((f) => fresh.has(f.path));
  return {
    bundle: { dirs: [...plan.mkdirs], entries: [...files, ...links], ...(whole ? { modes: [...plan.modeFixes] } : {}) },
    rest: { ...plan, mkdirs: [], uploads, symlinks, bytes: uploads.reduce((sum, e) => sum + e.size, 0), ...(whole ? { modeFixes: [] } : {}) },
  };
}

/** Whether a first upload of `tree` (nothing on the server yet) goes whole as a bundle: then it needs no SFTP session. */
export function bundlesWhole(entries: readonly { type: LocalEntry['type']; size?: number }[], limits: BundleLimits = BUNDLE_LIMITS): boolean {
  // A file of unknown size (a tree scanned without stat) may be a large one.
  return entries.length >= limits.minEntries && entries.every((e) => e.type !== 'file' || (e.size !== undefined && e.size <= limits.maxFileBytes));
}

/** Names per `mv`: a command line stays far below the kernel's limit. */
const NAMES_PER_MOVE = 256;

/**
 * The moves that put a bundle in place once it is unpacked: each top-most new directory whole (one
 * rename, everything below it at once), and the entries that go into directories already on the
 * server, grouped per directory. `sent` are the paths of the entries actually in the archive (a
 * file that vanished since the walk is not).
 */
export function planBundleMoves(dirs: readonly string[], sent: readonly string[]): BundleMove[] {
  const fresh = new Set(dirs);
  const moves: BundleMove[] = dirs.filter((d) => !fresh.has(path.posix.dirname(d))).map((d) => ({ kind: 'dir', path: d }));
  const byDir = new Map<string, string[]>();
  for (const p of sent) {
    const dir = path.posix.dirname(p);
    if (fresh.has(dir)) continue;
    const names = byDir.get(dir) ?? [];
    names.push(path.posix.basename(p));
    byDir.set(dir, names);
  }
  for (const [dir, names] of byDir) {
    for (let at = 0; at < names.length; at += NAMES_PER_MOVE) moves.push({ kind: 'into', dir, names: names.slice(at, at + NAMES_PER_MOVE) });
  }
  return moves;
}
