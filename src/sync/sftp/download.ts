import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Host } from '../../host/types.js';
import { localKind, planLocalTarget, type LocalDest } from '../plan/download-target.js';
import { localTempName, removeLeftovers } from './local-temp.js';
import { getFile } from './get.js';
import { joinRemotePath } from '../../remote/remote-path.js';
import { runPool } from '../../util/pool.js';
import { describeSftpFailure, openSftp, resolveSftpPath, SftpOpError, SyncError, walkSftp, type SftpSession } from './session.js';
import type { RemoteEntry, SyncProgress } from '../types.js';

// Opens sockets: `mtr get` over SFTP. Each file lands under a temp name beside its destination and is
// renamed into place with its remote mode and mtime, so an interrupted download leaves no half file.
// Every name the server lists is checked before anything is written, and no folder below the
// target is followed if it is a symlink: what the server says never leads outside the target.

export interface DownloadOptions {
  host: Pick<Host, 'sftp' | 'destroy'>;
  /** Absolute, `~`/`~/…`, or relative to home; build it with resolveRemotePath(). */
  remotePath: string;
  /** Where it goes (plan/download-target.ts has the rule). */
  dest: LocalDest;
  /** Names the server in errors about what it sent: `server gpu (me@host:22)`. */
  who: string;
  concurrency?: number;
  onProgress?: (progress: SyncProgress) => void;
  /** Aborting (Ctrl+C) ends the connection at once; the promise settles once partial files are gone. */
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

export async function downloadViaSftp(options: DownloadOptions): Promise<DownloadResult> {
  const { host, signal } = options;
  if (signal?.aborted) throw signal.reason;
  // Every request in flight fails at once, so each fetch removes its temp file and settles.
  const stop = () => host.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  let session: SftpSession | undefined;
  try {
    session = await openSftp(host);
    return await fetchInto(session, options);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (isLocalError(error)) throw new SyncError(`could not write locally: ${(error as Error).message}`, undefined, error);
    throw describeSftpFailure(error, session?.closed ?? false);
  } finally {
    signal?.removeEventListener('abort', stop);
    session?.end();
  }
}

async function fetchInto(session: SftpSession, options: DownloadOptions): Promise<DownloadResult> {
  const { onProgress } = options;
  const source = resolveSftpPath(options.remotePath, session.home);
  const stat = await session.stat(source);
  const remoteKind = stat.isDirectory() ? 'dir' : 'file';
  const localPath = planLocalTarget({ dest: options.dest, name: path.posix.basename(source), remoteKind, kindOf: localKind });
  const progress: SyncProgress = { files: 0, bytes: 0 };
  const fetch = async (remote: string, local: string, size: number, mtime: number, mode: number) => {
    await fetchFile(session, remote, local, size, mtime, mode, (n) => {
      progress.bytes += n;
      onProgress?.({ ...progress });
    });
    progress.files++;
    onProgress?.({ ...progress });
  };
  if (remoteKind === 'file') {
    await fsp.mkdir(path.dirname(localPath), { recursive: true });
    await removeLeftovers(path.dirname(localPath), path.basename(localPath));
    await fetch(source, localPath, stat.size, stat.mtime, stat.mode & 0o7777);
    return { localPath, ...progress };
  }
  const entries = await walkSftp(session, source, options.who);
  const dirs = entries.filter((e) => e.type === 'dir');
  // The copy's own folder is the path you named (followed if it is a symlink); below it nothing is.
  await fsp.mkdir(localPath, { recursive: true });
  await removeLeftovers(localPath);
  for (const dir of dirs) await placeDir(path.join(localPath, dir.path));
  const leaves = entries.filter((e) => e.type !== 'dir');
  await runPool(leaves, options.concurrency ?? 16, async (e: RemoteEntry) => {
    const remote = path.posix.join(source, e.path);
    const local = path.join(localPath, e.path);
    if (e.type === 'symlink') await placeSymlink(await session.readlink(remote), local);
    else await fetch(remote, local, e.size, e.mtime, e.mode);
  }, options.signal ? { signal: options.signal } : {});
  // Directory modes and times last (deepest first): writing into them would change both.
  const root: RemoteEntry = { path: '', type: 'dir', size: 0, mtime: stat.mtime, mode: stat.mode & 0o7777 };
  for (const dir of [...dirs].reverse().concat(root)) {
    const local = path.join(localPath, dir.path);
    await fsp.chmod(local, dir.mode | 0o700);
    await fsp.utimes(local, dir.mtime, dir.mtime);
  }
  return { localPath, ...progress };
}

// A folder of the copy, below its root: an existing real folder is kept (and cleared of a killed
// download's temp files); a symlink or file there is replaced, never followed, so nothing a server
// once sent as a symlink can lead a later download outside the target.
async function placeDir(local: string): Promise<void> {
  const st = await fsp.lstat(local).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (st?.isDirectory()) {
    await removeLeftovers(local);
    return;
  }
  if (st) await fsp.unlink(local);
  await fsp.mkdir(local);
}

function tempBeside(local: string): string {
  return path.join(path.dirname(local), localTempName(path.basename(local), process.pid));
}

// Into a temp file beside the real name, created here (exclusive: never an existing name, never
// through a symlink); mode and mtime set before it is renamed over the real name.
async function fetchFile(session: SftpSession, remote: string, local: string, size: number, mtime: number, mode: number, onBytes: (n: number) => void): Promise<void> {
  const temp = tempBeside(local);
  const file = await fsp.open(temp, 'wx', 0o600);
  try {
    try {
      await getFile(session, remote, file, size, onBytes);
    } finally {
      await file.close();
    }
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
