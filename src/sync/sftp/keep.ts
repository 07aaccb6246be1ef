import path from 'node:path';
import { CONFLICTS_DIR, type KeptReport } from '../plan/conflicts.js';
import { runPool } from '../../util/pool.js';
import { comparePaths } from '../../util/compare.js';
import { SFTP_STATUS, type SftpOpError, type SftpSession } from './session.js';
import type { RemoteEntry } from '../types.js';

// Opens nothing itself, but talks SFTP: moves the server's own edits out of the way before an
// upload replaces them (conflicts.ts), and finds what is there when no listing was read (watch).

const WIDTH = 16;
const MAX_TRIES = 99;

/** lstat of each path below `base`: what stands there now (missing paths are left out). */
export async function statRemote(session: SftpSession, base: string, paths: readonly string[]): Promise<Map<string, RemoteEntry>> {
  const found = new Map<string, RemoteEntry>();
  await runPool(paths, WIDTH, async (rel) => {
    const stats = await session.lstat(path.posix.join(base, rel)).catch((error: SftpOpError) => {
      if (error.code === SFTP_STATUS.noSuchFile) return undefined;
      throw error;
    });
    if (!stats) return;
    const type = stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'symlink' : 'file';
    found.set(rel, { path: rel, type, size: stats.size, mtime: stats.mtime, mode: stats.mode & 0o7777 });
  });
  return found;
}

/**
 * Moves `paths` (below `base`) to a fresh `.mtr-conflicts/<folder>` (`-2`, `-3`… when taken: mkdir
 * refuses an existing folder), each keeping its place below it. Parents first, then the renames.
 */
export async function keepOnServer(session: SftpSession, base: string, paths: readonly string[], folder: string): Promise<KeptReport | undefined> {
  if (paths.length === 0) return undefined;
  const conflicts = path.posix.join(base, CONFLICTS_DIR);
  await session.mkdir(conflicts).catch(async (error) => {
    if (!(await session.stat(conflicts).then((s) => s.isDirectory(), () => false))) throw error;
  });
  let name = folder;
  for (let n = 1; ; n++) {
    name = n === 1 ? folder : `${folder}-${n}`;
    const made = await session.mkdir(path.posix.join(conflicts, name)).then(() => true, (error: SftpOpError) => {
      if (n >= MAX_TRIES) throw error;
      return false;
    });
    if (made) break;
  }
  const root = path.posix.join(conflicts, name);
  const dirs = [...new Set(paths.flatMap((p) => ancestors(p)))].sort((a, b) => a.split('/').length - b.split('/').length || comparePaths(a, b));
  for (const dir of dirs) await session.mkdir(path.posix.join(root, dir));
  await runPool(paths, WIDTH, (p) => session.rename(path.posix.join(base, p), path.posix.join(root, p)));
  const rel = `${CONFLICTS_DIR}/${name}`;
  return paths.length === 1 ? { folder: rel, count: 1, path: `${rel}/${paths[0]}` } : { folder: rel, count: paths.length };
}

function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) out.push(d);
  return out;
}
