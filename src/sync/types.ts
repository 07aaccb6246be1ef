// Shapes shared by the ignore module, both sync engines, the dry-run plan and (later) watch mode.

/** One local entry that should exist remotely. Paths are POSIX, relative to the project root. */
export interface LocalEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Bytes (files only; 0 otherwise). */
  size: number;
  /** Whole seconds since the epoch (SFTP v3 has 1 s resolution). */
  mtime: number;
  /** The local mtime at the file system's resolution, in ms (fractional), once statted. */
  mtimeMs?: number;
  /** Permission bits, e.g. 0o755. */
  mode: number;
  /** Symlink target as stored (symlinks only). */
  linkTarget?: string;
  /**
   * The path's bytes when they are not valid UTF-8: `path` then shows each invalid byte as U+FFFD
   * (as Node decodes it), and every file system call and rsync rule uses these bytes instead.
   */
  raw?: Buffer;
  /** A symlink whose target is not valid UTF-8 (`linkTarget` is then its lossy decoding). */
  targetNotUtf8?: boolean;
}

/** A path the walk left out; `raw` as in LocalEntry. */
export interface ExcludedPath {
  path: string;
  isDir: boolean;
  raw?: Buffer;
}

export interface LocalTree {
  root: string;
  /** Sorted by path; directories come before their contents. */
  entries: LocalEntry[];
  /** How many paths the ignore rules left out (for the dry-run plan). */
  excludedCount: number;
  /**
   * The top-most paths left out (ignored, or special files such as sockets), so rsync can recurse on
   * its own and leave out exactly these: the same file set as `entries`, by rsync's fast path.
   */
  excludedPaths?: ExcludedPath[];
  /**
   * false: entries carry names and types only (size, mtime and mode are 0), as the rsync engine
   * needs; statTree() fills them in. Absent or true: complete.
   */
  statted?: boolean;
  /** Sockets, FIFOs and devices the walk skipped (never sent). */
  skippedSpecial?: number;
  /** When the scan began, by the project's file system clock (ms; sync-record.ts). */
  startedMs?: number;
}

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
