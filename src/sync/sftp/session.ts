import path from 'node:path';
import { ConnectionError, MtrError } from '../../errors.js';
import { SftpUnavailableError, SyncError } from '../../errors.js';
import { SftpChannelError, SftpOpError, SFTP_STATUS, type HostSftp, type SftpDirEntry } from '../../host/sftp.js';
import type { Host } from '../../host/types.js';
import { checkListing } from './remote-names.js';
import { runPool } from '../../util/pool.js';
import type { RemoteEntry } from '../types.js';
import { comparePaths } from '../../util/compare.js';

// One SFTP session on a host (host/sftp.ts), and what its failures mean to the user. Shared by
// upload, download and the manifest fallback.

/** Exit status when a sync fails for a reason the user can fix on the server (like scp, which exits 1). */
export { SyncError } from '../../errors.js';
export { SftpOpError, SFTP_STATUS } from '../../host/sftp.js';
export const EXIT_SYNC_FAILED = 1;

export type SftpSession = HostSftp;

export async function openSftp(host: Pick<Host, 'sftp'>): Promise<SftpSession> {
  try {
    return await host.sftp();
  } catch (error) {
    if (error instanceof SftpChannelError) {
      if (error.linkGone) throw new ConnectionError('the connection closed before the SFTP sync', undefined, error);
      throw new SftpUnavailableError(`the server refused an SFTP channel: ${error.message}`, 'enable the sftp subsystem on the server, or set sync: rsync', error);
    }
    throw describeSftpFailure(error, error instanceof SftpOpError && error.channelClosed);
  }
}

/** True when the file system holding `dir` has (almost) no room left: explains a bare "Failure". */
export async function isDiskFull(session: SftpSession, dir: string): Promise<boolean> {
  const free = await session.freeBytes(dir).catch(() => undefined);
  return free !== undefined && free < 1024 * 1024;
}

/** Absolute remote path for SFTP, which expands no `~`: `~`, `~/x` and relative paths start at home. */
export function resolveSftpPath(remotePath: string, home: string): string {
  if (remotePath === '~') return home;
  if (remotePath.startsWith('~/')) return path.posix.resolve(home, remotePath.slice(2));
  return path.posix.resolve(home, remotePath);
}

/** The name a temp file stands in for: `dir/.name.mtr-tmp-1a2b` → `dir/name`. */
export function realNameOf(p: string): string {
  return p.replace(/(^|\/)\.([^/]+)\.mtr-tmp-[0-9a-f]+$/, '$1$2');
}

const LINK_LOST = /No response from server|Not connected|ECONNRESET|EPIPE/i;

// One place decides what an SFTP failure tells the user (the uploader sets `diskFull` on the error).
export function describeSftpFailure(error: unknown, linkClosed: boolean): MtrError {
  if (error instanceof MtrError) return error;
  const op = error instanceof SftpOpError ? error : undefined;
  const where = op ? realNameOf(op.path) : 'the remote directory';
  if (linkClosed || (!op?.code && LINK_LOST.test(String((error as Error)?.message)))) {
    return new ConnectionError('the connection dropped during the SFTP sync', 'run again: files already sent are complete, nothing is half-written', error);
  }
  if (op?.code === SFTP_STATUS.permissionDenied) {
    return new SyncError(`permission denied on the server (${op.op} ${where})`, 'make remote_dir writable for this user, or choose another remote_dir', error);
  }
  if (op?.code === SFTP_STATUS.noSuchFile) {
    return new SyncError(`${where} does not exist on the server (${op.op})`, undefined, error);
  }
  if (op?.diskFull || /no space|disk full|quota/i.test(op?.message ?? '')) {
    return new SyncError(`the server's disk is full (writing ${where})`, 'free space on the server, then run again', error);
  }
  const reason = op ? (op.cause as Error)?.message : String((error as Error)?.message ?? error);
  return new SyncError(`SFTP ${op?.op ?? 'request'} failed for ${where}: ${reason}`, undefined, error);
}

const S_IFMT = 0o170000;
const TYPES: Record<number, RemoteEntry['type']> = { 0o040000: 'dir', 0o100000: 'file', 0o120000: 'symlink' };

/**
 * Every entry under `absDir` (lstat semantics, paths relative to it), walked with SFTP readdir. A
 * listing with a name that is not one plain path component, or a name twice, is refused
 * (UnsafeListingError naming `who`): such names would lead outside wherever the entries are placed.
 */
export async function walkSftp(session: SftpSession, absDir: string, who?: string): Promise<RemoteEntry[]> {
  const entries: RemoteEntry[] = [];
  let level = [''];
  while (level.length > 0) {
    const listings: { rel: string; list: SftpDirEntry[] }[] = [];
    await runPool(level, 16, async (rel) => {
      listings.push({ rel, list: await session.readdir(path.posix.join(absDir, rel)) });
    });
    level = [];
    for (const { rel, list } of listings) {
      checkListing(list.map((item) => item.filename), path.posix.join(absDir, rel), who);
      for (const item of list) {
        const type = TYPES[item.attrs.mode & S_IFMT];
        if (!type) continue;
        const rp = rel ? `${rel}/${item.filename}` : item.filename;
        entries.push({ path: rp, type, size: type === 'file' ? item.attrs.size : 0, mtime: item.attrs.mtime, mode: item.attrs.mode & 0o7777 });
        if (type === 'dir') level.push(rp);
      }
    }
  }
  return entries.sort((a, b) => comparePaths(a.path, b.path));
}
