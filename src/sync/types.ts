// Shapes shared by the ignore module, both sync engines, the dry-run plan and (later) watch mode.

/**
 * One local entry as a scan finds it: its name and type, no stats (what rsync needs; its own scan
 * compares the rest). Paths are POSIX, relative to the project root.
 */
export interface ScannedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /**
   * The path's bytes when they are not valid UTF-8: `path` then shows each invalid byte as U+FFFD
   * (as Node decodes it), and every file system call and rsync rule uses these bytes instead.
   */
  raw?: Buffer;
}

/** One local entry that should exist remotely, statted (what SFTP and the dry-run plan compare). */
export interface LocalEntry extends ScannedEntry {
  /** Bytes (files only; 0 otherwise). */
  size: number;
  /** Whole seconds since the epoch (SFTP v3 has 1 s resolution). */
  mtime: number;
  /** The local mtime at the file system's resolution, in ms (fractional), when lstat gave it. */
  mtimeMs?: number;
  /** Permission bits, e.g. 0o755. */
  mode: number;
  /** Symlink target as stored (symlinks only). */
  linkTarget?: string;
  /** A symlink whose target is not valid UTF-8 (`linkTarget` is then its lossy decoding). */
  targetNotUtf8?: boolean;
}

/** A path the walk left out; `raw` as in LocalEntry. */
export interface ExcludedPath {
  path: string;
  isDir: boolean;
  raw?: Buffer;
}

/** What a scanned and a statted tree share: the root and what the walk left out. */
interface TreeFacts {
  root: string;
  /** How many paths the ignore rules left out (for the dry-run plan). */
  excludedCount: number;
  /**
   * The top-most paths left out (ignored, or special files such as sockets), so rsync can recurse on
   * its own and leave out exactly these: the same file set as `entries`, by rsync's fast path.
   */
  excludedPaths?: ExcludedPath[];
  /** Sockets, FIFOs and devices the walk skipped (never sent). */
  skippedSpecial?: number;
  /** When the scan began, by the project's file system clock (ms; sync-record.ts). */
  startedMs?: number;
}

/** A tree of names and types only, as the rsync engine needs; statTree() (walk.ts) makes a StattedTree. */
export interface ScannedTree extends TreeFacts {
  readonly kind: 'scanned';
  /** Sorted by path; directories come before their contents. */
  entries: ScannedEntry[];
}

/** A tree with sizes, mtimes, modes and link targets: what the SFTP engine and the dry-run plan take. */
export interface StattedTree extends TreeFacts {
  readonly kind: 'statted';
  /** Sorted by path; directories come before their contents. */
  entries: LocalEntry[];
}

/** Either tree: for what needs only names and types (rsync, deletions, counts). */
export type LocalTree = ScannedTree | StattedTree;

/** One remote file as listed by the remote manifest (find -printf) or SFTP readdir. */
export interface RemoteEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  size: number;
  mtime: number;
  /** The mtime with its fraction, in ms, when the listing has it (GNU find's %T@; SFTP has seconds). */
  mtimeMs?: number;
  mode: number;
  /** Symlink target (symlinks only), when the listing could read it (GNU find %l). */
  linkTarget?: string;
}

/** What the remote side is told: where and as whom, without how (engine-specific). */
export interface SyncTarget {
  remoteDir: string;
}

export interface SyncStats {
  engine: 'rsync' | 'sftp';
  filesSent: number;
  bytesSent: number;
  deleted: number;
  /** Files considered (the local tree's file count). */
  filesTotal: number;
  ms: number;
}

export interface SyncProgress {
  files: number;
  bytes: number;
  totalFiles?: number;
  totalBytes?: number;
}
