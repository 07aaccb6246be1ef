import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'ssh2';
import { joinRemotePath } from '../remote/remote-path.js';
import { runPool } from './sftp-pool.js';
import { describeSftpFailure, openSftp, resolveSftpPath, SftpOpError, SyncError, walkSftp, type SftpSession } from './sftp-session.js';
import type { RemoteEntry, SyncProgress } from './types.js';

// Opens sockets: `mtr get` over SFTP. Each file lands under a temp name beside its destination and is
// renamed into place with its remote mode and mtime, so an interrupted download leaves no half file.

export interface DownloadOptions {
  client: Client;
  /** Absolute, `~`/`~/…`, or relative to home; build it with resolveRemotePath(). */
  remotePath: string;
  /** An existing directory receives `<basename of remotePath>`; any other path is the target itself. */
  localDest: string;
  concurrency?: number;
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  /** Where the file or directory was written. */
  localPath: string;
  files: number;
  bytes: number;
}

/**
 * The remote path a user's argument means: absolute and `~` paths as given, anything else relative
 * to remote_dir (so `mtr get outputs/x` fetches `<remote_dir>/outputs/x`).
 */
export function resolveRemotePath(remoteDir: string, p: string): string {
  return joinRemotePath(remoteDir, p);
}

/** The local path written: inside `localDest` when it is an existing directory, else `localDest`. */
export function localTargetFor(localDest: string, remotePath: string, destIsDir: boolean): string {
  return destIsDir ? path.join(localDest, path.posix.basename(remotePath)) : localDest;
}

const READ_CONCURRENCY = 8;
const READ_CHUNK = 32 * 1024;

export async function downloadViaSftp(options: DownloadOptions): Promise<DownloadResult> {
  const { client, localDest, onProgress, signal } = options;
  const session = await openSftp(client);
  try {
    const source = resolveSftpPath(options.remotePath, session.home);
    const stat = await session.stat(source);
    const destIsDir = await fsp.stat(localDest).then((s) => s.isDirectory(), () => false);
    const localPath = localTargetFor(localDest, source, destIsDir);
    const progress: SyncProgress = { files: 0, bytes: 0 };
    const fetch = async (remote: string, local: string, mtime: number, mode: number) => {
      let last = 0;
      await fetchFile(session, remote, local, mtime, mode, (total) => {
        progress.bytes += total - last;
        last = total;
        onProgress?.({ ...progress });
      });
      progress.files++;
      onProgress?.({ ...progress });
    };
    if (!stat.isDirectory()) {
      await fsp.mkdir(path.dirname(localPath), { recursive: true });
      await fetch(source, localPath, stat.mtime, stat.mode & 0o7777);
      return { localPath, ...progress };
    }
    const entries = await walkSftp(session, source);
    const dirs = entries.filter((e) => e.type === 'dir');
    await fsp.mkdir(localPath, { recursive: true });
    for (const dir of dirs) await fsp.mkdir(path.join(localPath, dir.path), { recursive: true });
    const leaves = entries.filter((e) => e.type !== 'dir');
    await runPool(leaves, options.concurrency ?? 16, async (e: RemoteEntry) => {
      const remote = path.posix.join(source, e.path);
      const local = path.join(localPath, e.path);
      if (e.type === 'symlink') await placeSymlink(await session.readlink(remote), local);
      else await fetch(remote, local, e.mtime, e.mode);
    }, { signal });
    // Directory modes and times last (deepest first): writing into them would change both.
    const root: RemoteEntry = { path: '', type: 'dir', size: 0, mtime: stat.mtime, mode: stat.mode & 0o7777 };
    for (const dir of [...dirs].reverse().concat(root)) {
      const local = path.join(localPath, dir.path);
      await fsp.chmod(local, dir.mode | 0o700);
      await fsp.utimes(local, dir.mtime, dir.mtime);
    }
    return { localPath, ...progress };
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    if (isLocalError(error)) throw new SyncError(`could not write locally: ${(error as Error).message}`, undefined, error);
    throw describeSftpFailure(error, session.closed);
  } finally {
    session.end();
  }
}

function tempBeside(local: string): string {
  const name = `.${path.basename(local)}.mtr-tmp-${randomBytes(6).toString('hex')}`;
  return path.join(path.dirname(local), Buffer.byteLength(name) <= 255 ? name : `.mtr-tmp-${randomBytes(6).toString('hex')}`);
}

// Parallel reads (ssh2 fastGet) into a private temp file; mode and mtime set before it gets its name.
async function fetchFile(
  session: SftpSession,
  remote: string,
  local: string,
  mtime: number,
  mode: number,
  step: (total: number) => void,
): Promise<void> {
  const temp = tempBeside(local);
  try {
    await session.fastGet(remote, temp, { concurrency: READ_CONCURRENCY, chunkSize: READ_CHUNK, mode: 0o600, step: (total) => step(total) });
    await fsp.chmod(temp, mode);
    await fsp.utimes(temp, mtime, mtime);
    await fsp.rename(temp, local);
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
}

async function placeSymlink(target: string, local: string): Promise<void> {
  const temp = tempBeside(local);
  await fsp.symlink(target, temp);
  await fsp.rename(temp, local).catch(async (error) => {
    await fsp.rm(temp, { force: true });
    throw error;
  });
}

// Local fs failures (disk full here, permission on localDest) carry a syscall; SFTP ones are SftpOpErrors.
function isLocalError(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return !(error instanceof SftpOpError) && typeof e?.code === 'string' && typeof e.syscall === 'string';
}
