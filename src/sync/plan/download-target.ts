import fs from 'node:fs';
import path from 'node:path';
import { SyncError, UsageError } from '../../errors.js';

// Where a download lands, the same for both engines (rsync's rule for `rsync host:SRC DEST`): a
// directory always goes into the destination folder under its own name, so a repeated --get updates
// the same copy; a file goes into a folder (a trailing slash, an existing directory, or the default
// download folder) or takes the name given. Missing folders are created by the engines.

/** The destination the user chose. */
export interface LocalDest {
  /** Absolute. */
  path: string;
  /** Known to be a folder to put things in: `--to DIR/`, or download_dir / the cwd (no --to). */
  into: boolean;
}

export type LocalKind = 'dir' | 'file' | 'missing';

export interface TargetInput {
  dest: LocalDest;
  /** The remote file's or directory's own name (basename of the remote path). */
  name: string;
  remoteKind: 'dir' | 'file';
  /** What is at a local path, following symlinks (a path you name is taken as given). */
  kindOf: (p: string) => LocalKind;
}

/** The local path a download writes (the file itself, or the directory that is the copy). */
export function planLocalTarget({ dest, name, remoteKind, kindOf }: TargetInput): string {
  const destKind = kindOf(dest.path);
  const into = dest.into || remoteKind === 'dir' || destKind === 'dir';
  if (into && destKind === 'file') {
    throw new UsageError(`${dest.path} is a file, so nothing can go into it`, 'name a folder for --to (missing folders are created)');
  }
  const localPath = into ? path.join(dest.path, name) : dest.path;
  const here = into ? kindOf(localPath) : destKind;
  if (remoteKind === 'file' && here === 'dir') {
    throw new SyncError(`${localPath} is a folder here, but ${name} on the server is a file`, 'move the folder away, or choose another --to');
  }
  if (remoteKind === 'dir' && here === 'file') {
    throw new SyncError(`${localPath} is a file here, but ${name} on the server is a folder`, 'move the file away, or choose another --to');
  }
  return localPath;
}

export function localKind(p: string): LocalKind {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}
