// Lists the local tree both engines send: one walk, the ignore matcher decides, nothing is followed.
import { isUtf8 } from 'node:buffer';
import fs, { type Dirent } from 'node:fs';
import path from 'node:path';
import type { IgnoreMatcher } from './ignore.js';
import { isRacy } from '../sync-record.js';
import type { ExcludedPath, LocalEntry, LocalTree, ScannedEntry, ScannedTree, StattedTree } from '../types.js';
import { comparePaths } from '../../util/compare.js';

type EntryType = ScannedEntry['type'];


// Sockets, FIFOs and devices have no place on the remote: they are skipped, not counted as excluded.
export function direntType(dirent: Pick<Dirent, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): EntryType | undefined {
  if (dirent.isSymbolicLink()) return 'symlink';
  if (dirent.isDirectory()) return 'dir';
  if (dirent.isFile()) return 'file';
  return undefined;
}

// Entries that vanish between readdir and lstat are simply not listed (like rsync's "vanished" warning).
function isVanished(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

// Synchronous fs calls in slices: on a local disk lstatSync is ~3x faster than going through libuv's
// thread pool one promise per file, and yielding between slices keeps a concurrent ssh handshake
// (same event loop) moving.
const DIRS_PER_SLICE = 64;
const STATS_PER_SLICE = 512;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Where a tree entry lives on disk: its bytes when its name is not UTF-8. */
export function localPathOf(absRoot: string, entry: Pick<ScannedEntry, 'path' | 'raw'>): string | Buffer {
  return entry.raw ? Buffer.concat([Buffer.from(`${absRoot}/`), entry.raw]) : path.join(absRoot, entry.path);
}

function lstatIfThere(abs: string | Buffer): fs.Stats | undefined {
  try {
    return fs.lstatSync(abs);
  } catch (error) {
    if (isVanished(error)) return undefined;
    throw error;
  }
}

/** Fills in one entry's stats (and link target); false when it vanished since it was listed. */
function statEntrySync(absRoot: string, scanned: ScannedEntry): scanned is LocalEntry {
  const abs = localPathOf(absRoot, scanned);
  // Filled in place: the same object becomes the statted entry.
  const entry = scanned as LocalEntry;
  try {
    const st = fs.lstatSync(abs);
    entry.size = entry.type === 'file' ? st.size : 0;
    entry.mtime = Math.floor(st.mtimeMs / 1000);
    entry.mtimeMs = st.mtimeMs;
    entry.mode = st.mode & 0o7777;
    if (entry.type === 'symlink') readLinkTarget(abs, entry);
    return true;
  } catch (error) {
    if (isVanished(error)) return false;
    throw error;
  }
}

/**
 * Completes a scanned tree with sizes, mtimes, modes and link targets (what SFTP and the dry-run
 * plan need), in place: a 100k-file tree is not held twice (the scanned tree given is used up: its
 * entries array is the statted tree's). Vanished entries drop out. A statted tree is returned as is.
 */
export async function statTree(tree: LocalTree): Promise<StattedTree> {
  if (tree.kind === 'statted') return tree;
  const { entries } = tree;
  let kept = 0;
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % STATS_PER_SLICE === 0) await yieldToLoop();
    const entry = entries[i] as ScannedEntry;
    if (statEntrySync(tree.root, entry)) entries[kept++] = entry;
  }
  entries.length = kept;
  // Every entry left was filled in above.
  return { ...tree, kind: 'statted', entries: entries as LocalEntry[] };
}

/**
 * The regular files of a tree modified at or after `sinceMs` (sync-record.ts isRacy): the ones a
 * size-and-second comparison cannot vouch for. A names-only tree is lstat-ed here, in slices, and
 * left as it is; vanished files drop out.
 */
export async function filesChangedSince(tree: LocalTree, sinceMs: number): Promise<ScannedEntry[]> {
  if (tree.kind === 'statted') return tree.entries.filter((entry) => entry.type === 'file' && isRacy(entry, sinceMs));
  const changed: ScannedEntry[] = [];
  let n = 0;
  for (const entry of tree.entries) {
    if (entry.type !== 'file') continue;
    if (++n % STATS_PER_SLICE === 0) await yieldToLoop();
    const st = lstatIfThere(localPathOf(tree.root, entry));
    if (st?.isFile() && st.mtimeMs >= sinceMs) changed.push(entry);
  }
  return changed;
}

// A target that is not UTF-8 is kept lossy (rsync reads the link itself; SFTP cannot write it).
function readLinkTarget(abs: string | Buffer, entry: Pick<LocalEntry, 'linkTarget' | 'targetNotUtf8'>): void {
  const target = fs.readlinkSync(abs, { encoding: 'buffer' });
  entry.linkTarget = target.toString('utf8');
  if (!isUtf8(target)) entry.targetNotUtf8 = true;
}

interface ListedDir {
  rel: string;
  /** The directory's bytes when its path is not UTF-8. */
  raw?: Buffer;
}

/** A Dirent (as read, no copy), or one re-read as bytes whose name is not valid UTF-8. */
type ListedName = Pick<Dirent, 'isFile' | 'isDirectory' | 'isSymbolicLink'> & {
  name: string;
  raw?: Buffer;
};

// Node decodes names as UTF-8, turning bytes that are not into U+FFFD (and that name into one that
// does not exist). A directory whose listing shows U+FFFD, or whose own path is not UTF-8, is read
// again as bytes, so those names keep their real bytes; every other directory costs nothing extra.
function listDir(absRoot: string, dir: ListedDir): ListedName[] {
  if (!dir.raw) {
    const dirents = fs.readdirSync(path.join(absRoot, dir.rel), { withFileTypes: true });
    if (!dirents.some((d) => d.name.includes('\uFFFD'))) return dirents;
  }
  const abs = dir.raw ? Buffer.concat([Buffer.from(`${absRoot}/`), dir.raw]) : Buffer.from(path.join(absRoot, dir.rel));
  return fs.readdirSync(abs, { withFileTypes: true, encoding: 'buffer' }).map((dirent) => {
    const bytes = dirent.name;
    return {
      name: bytes.toString('utf8'),
      isFile: () => dirent.isFile(),
      isDirectory: () => dirent.isDirectory(),
      isSymbolicLink: () => dirent.isSymbolicLink(),
      ...(isUtf8(bytes) ? {} : { raw: bytes }),
    };
  });
}

// The bytes of a child's path, when it or its directory is not UTF-8; undefined otherwise.
function rawChild(dir: ListedDir, item: ListedName): Buffer | undefined {
  if (!dir.raw && !item.raw) return undefined;
  const name = item.raw ?? Buffer.from(item.name);
  return dir.rel === '' ? name : Buffer.concat([dir.raw ?? Buffer.from(dir.rel), Buffer.from('/'), name]);
}

export interface WalkOptions {
  /** Fill in stats (default). rsync needs only names and types: its own scan compares the rest. */
  stat?: boolean;
}

/** Walks root (never following symlinks), leaving out what the matcher ignores and not entering ignored dirs. */
export function walkLocalTree(root: string, matcher: Pick<IgnoreMatcher, 'isIgnored'>, options: { stat: false }): Promise<ScannedTree>;
export function walkLocalTree(root: string, matcher: Pick<IgnoreMatcher, 'isIgnored'>, options?: { stat?: true }): Promise<StattedTree>;
export function walkLocalTree(root: string, matcher: Pick<IgnoreMatcher, 'isIgnored'>, options?: WalkOptions): Promise<LocalTree>;
export async function walkLocalTree(root: string, matcher: Pick<IgnoreMatcher, 'isIgnored'>, options: WalkOptions = {}): Promise<LocalTree> {
  const absRoot = path.resolve(root);
  const entries: ScannedEntry[] = [];
  let excludedCount = 0;
  let skippedSpecial = 0;
  const excludedPaths: ExcludedPath[] = [];

  const dirs: ListedDir[] = [{ rel: '' }];
  for (let done = 0; dirs.length > 0; done++) {
    if (done > 0 && done % DIRS_PER_SLICE === 0) await yieldToLoop();
    const dir = dirs.pop() as ListedDir;
    let items: ListedName[];
    try {
      items = listDir(absRoot, dir);
    } catch (error) {
      if (dir.rel !== '' && isVanished(error)) continue;
      throw error;
    }
    for (const item of items) {
      const rel = dir.rel === '' ? item.name : `${dir.rel}/${item.name}`;
      const raw = rawChild(dir, item);
      const type = direntType(item);
      if (type === undefined || matcher.isIgnored(rel, type === 'dir')) {
        if (type === undefined) skippedSpecial++;
        else excludedCount++;
        const excluded: ExcludedPath = { path: rel, isDir: type === 'dir' };
        if (raw) excluded.raw = raw;
        excludedPaths.push(excluded);
      } else {
        const entry: ScannedEntry = { path: rel, type };
        if (raw) entry.raw = raw;
        entries.push(entry);
        if (type === 'dir') dirs.push(raw ? { rel, raw } : { rel });
      }
    }
  }

  entries.sort((a, b) => comparePaths(a.path, b.path));
  excludedPaths.sort((a, b) => comparePaths(a.path, b.path));
  const listed: ScannedTree = { kind: 'scanned', root: absRoot, entries, excludedCount, skippedSpecial, excludedPaths };
  return options.stat === false ? listed : statTree(listed);
}
