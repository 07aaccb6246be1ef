// Pure views of a tree: the list rsync reads on stdin and the numbers the dry-run plan shows.
import { CONFLICTS_DIR, PRIVATE_NAMES } from './ignore.js';
import type { LocalEntry, LocalTree, StattedTree } from '../types.js';
import { comparePaths } from '../../util/compare.js';

export interface TreeSummary {
  files: number;
  /** Sum of file sizes (symlinks and dirs count 0). */
  bytes: number;
  dirs: number;
  symlinks: number;
  /** The biggest files, largest first (ties by path), at most `SUMMARY_LARGEST`. */
  largest: { path: string; size: number; raw?: Buffer }[];
}

export const SUMMARY_LARGEST = 5;

// For `rsync --from0 --files-from=-`. Directories are listed so empty ones are created: --files-from
// implies --dirs (create the dir, don't recurse). The engine must NOT pass -r (or -a, which implies it):
// with -r rsync recurses into every listed dir and would send ignored files too.
export function toRsyncFileList(tree: Pick<LocalTree, 'entries'>): Buffer {
  return Buffer.concat(tree.entries.flatMap((entry) => [pathBytes(entry), NUL]));
}

const NUL = Buffer.from([0]);

/** A tree path as the file system holds it: its raw bytes when it is not UTF-8. */
export function pathBytes(entry: Pick<LocalEntry, 'path' | 'raw'>): Buffer {
  return entry.raw ?? Buffer.from(entry.path, 'utf8');
}

const bySizeThenPath = (a: { path: string; size: number }, b: { path: string; size: number }): number =>
  b.size - a.size || comparePaths(a.path, b.path);

export function summarizeTree(tree: StattedTree, top = SUMMARY_LARGEST): TreeSummary {
  const summary: TreeSummary = { files: 0, bytes: 0, dirs: 0, symlinks: 0, largest: [] };
  for (const entry of tree.entries) {
    if (entry.type === 'dir') summary.dirs++;
    else if (entry.type === 'symlink') summary.symlinks++;
    else {
      summary.files++;
      summary.bytes += entry.size;
      // Keep only the current top N: a sort of 100k entries just to show five is waste.
      const smallest = summary.largest[summary.largest.length - 1];
      if (summary.largest.length < top || (smallest && bySizeThenPath(entry, smallest) < 0)) {
        summary.largest.push(entry.raw ? { path: entry.path, size: entry.size, raw: entry.raw } : { path: entry.path, size: entry.size });
        summary.largest.sort(bySizeThenPath);
        if (summary.largest.length > top) summary.largest.pop();
      }
    }
  }
  return summary;
}

// One rsync exclude rule for an exact path: anchored at the transfer root (leading /), a trailing /
// for a directory. rsync treats * ? [ as wildcards and honours backslash escapes only in a pattern
// that has a wildcard, so names with wildcard characters get every special escaped.
export function rsyncExcludeRule(relPath: string, isDir: boolean): string {
  const escaped = /[*?[]/.test(relPath) ? relPath.replace(/[*?[\\]/g, (c) => `\\${c}`) : relPath;
  return `/${escaped}${isDir ? '/' : ''}`;
}

/**
 * NUL-separated exclude rules for `rsync -r --exclude-from=- --from0`: exactly what the walk left
 * out (a name that is not UTF-8 by its own bytes: latin1 maps each byte to one char and back), then
 * `.git` and `.mtr` at any depth and the top `.mtr-conflicts`, so one made after the walk is not
 * sent either.
 */
export function toRsyncExcludeList(tree: LocalTree): Buffer {
  const rules = (tree.excludedPaths ?? []).map((e) =>
    e.raw ? Buffer.from(rsyncExcludeRule(e.raw.toString('latin1'), e.isDir), 'latin1') : Buffer.from(rsyncExcludeRule(e.path, e.isDir), 'utf8'),
  );
  const always = [...PRIVATE_NAMES, `/${CONFLICTS_DIR}/`].map((name) => Buffer.from(name));
  return Buffer.concat([...rules, ...always].flatMap((rule) => [rule, NUL]));
}
