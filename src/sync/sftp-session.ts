import path from 'node:path';
import type { Client, FileEntry, InputAttributes, SFTPWrapper, Stats } from 'ssh2';
import { ConnectionError, MtrError } from '../errors.js';
import { SftpUnavailableError, SyncError } from '../errors.js';
import { checkListing } from './remote-names.js';
import { runPool } from '../util/pool.js';
import type { RemoteEntry } from './types.js';

// Opens sockets: one SFTP channel on an existing connection, its callbacks turned into promises, and
// what its failures mean to the user. Shared by upload, download and the manifest fallback.

/** Exit status when a sync fails for a reason the user can fix on the server (like scp, which exits 1). */
export { SyncError } from '../errors.js';
export const EXIT_SYNC_FAILED = 1;

/** An SFTP request that failed, with what was asked; `code` is the SFTP status (3 = permission denied). */
export class SftpOpError extends Error {
  readonly code: number | string | undefined;
  /** Set by the uploader: the server's disk was full when this bare "Failure" came back. */
  diskFull = false;
  constructor(readonly op: string, readonly path: string, cause: unknown) {
    super(`${op} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = (cause as { code?: number | string } | undefined)?.code;
  }
}

export const SFTP_STATUS = { noSuchFile: 2, permissionDenied: 3, failure: 4 } as const;

type Callback<T> = (error: Error | null | undefined, value?: T) => void;

export class SftpSession {
  /** Absolute path of the login directory (where `~` points). */
  home = '/';
  private ended = false;
  constructor(readonly sftp: SFTPWrapper) {
    sftp.on('close', () => (this.ended = true));
    // A protocol error is followed by 'close'; without a listener it would crash the process.
    sftp.on('error', () => (this.ended = true));
  }

  /** The channel is gone: a request sent now would never be answered, so none is sent. */
  get closed(): boolean {
    const channel = this.sftp as unknown as { incoming?: { state?: string }; outgoing?: { state?: string } };
    return this.ended || channel.incoming?.state === 'closed' || (channel.outgoing?.state ?? 'open') !== 'open';
  }

  /** Server's limit on open handles (OpenSSH limits@ extension); Infinity when it announces none. */
  get maxOpenHandles(): number {
    const value = (this.sftp as { maxOpenHandles?: number }).maxOpenHandles;
    return typeof value === 'number' && value > 0 ? value : Infinity;
  }

  /** Whether the server announced extension `name` at `version` (statvfs@openssh.com is "2"). */
  hasExtension(name: string, version = '1'): boolean {
    return (this.sftp as unknown as { _extensions?: Record<string, string> })._extensions?.[name] === version;
  }

  call<T>(op: string, target: string, start: (cb: Callback<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done: Callback<T> = (error, value) => (error ? reject(new SftpOpError(op, target, error)) : resolve(value as T));
      if (this.closed) return done(new Error('No response from server (channel closed)'));
      try {
        start(done);
      } catch (error) {
        done(error as Error);
      }
    });
  }

  realpath = (p: string) => this.call<string>('realpath', p, (cb) => this.sftp.realpath(p, cb));
  stat = (p: string) => this.call<Stats>('stat', p, (cb) => this.sftp.stat(p, cb));
  lstat = (p: string) => this.call<Stats>('lstat', p, (cb) => this.sftp.lstat(p, cb));
  mkdir = (p: string) => this.call<void>('mkdir', p, (cb) => this.sftp.mkdir(p, cb));
  unlink = (p: string) => this.call<void>('unlink', p, (cb) => this.sftp.unlink(p, cb));
  setstat = (p: string, a: InputAttributes) => this.call<void>('setstat', p, (cb) => this.sftp.setstat(p, a, cb));
  readdir = (p: string) => this.call<FileEntry[]>('readdir', p, (cb) => this.sftp.readdir(p, cb));
  readlink = (p: string) => this.call<string>('readlink', p, (cb) => this.sftp.readlink(p, cb));
  // ssh2 swaps the two paths itself for OpenSSH servers (whose SYMLINK order is reversed), so this is
  // (target, linkPath) like fs.symlink on every server.
  symlink = (target: string, linkPath: string) =>
    this.call<void>('symlink', linkPath, (cb) => this.sftp.symlink(target, linkPath, cb));
  open = (p: string, flags: string, mode: number) =>
    this.call<Buffer>('open', p, (cb) => this.sftp.open(p, flags as 'w', { mode }, cb));
  close = (h: Buffer, p: string) => this.call<void>('close', p, (cb) => this.sftp.close(h, cb));
  fsetstat = (h: Buffer, p: string, a: InputAttributes) => this.call<void>('fsetstat', p, (cb) => this.sftp.fsetstat(h, a, cb));
  write = (h: Buffer, p: string, buf: Buffer, length: number, position: number) =>
    this.call<void>('write', p, (cb) => this.sftp.write(h, buf, 0, length, position, (e) => cb(e)));
  /** Resolves with the bytes read: 0 at the end of the file, fewer than asked when the server says so. */
  read = (h: Buffer, p: string, buf: Buffer, offset: number, length: number, position: number) =>
    this.call<number>('download', p, (cb) => this.sftp.read(h, buf, offset, length, position, (e, n) => cb(e, n)));

  // posix-rename replaces the target atomically; plain SFTP rename refuses an existing target.
  async rename(from: string, to: string): Promise<void> {
    if (this.hasExtension('posix-rename@openssh.com')) {
      return this.call<void>('rename', to, (cb) => this.sftp.ext_openssh_rename(from, to, cb));
    }
    try {
      await this.call<void>('rename', to, (cb) => this.sftp.rename(from, to, cb));
    } catch {
      await this.unlink(to).catch(() => undefined);
      await this.call<void>('rename', to, (cb) => this.sftp.rename(from, to, cb));
    }
  }

  /** True when the file system holding `dir` has (almost) no room left: explains a bare "Failure". */
  async isDiskFull(dir: string): Promise<boolean> {
    if (!this.hasExtension('statvfs@openssh.com', '2')) return false;
    try {
      const info = await this.call<{ f_bavail: number; f_frsize: number }>('statvfs', dir, (cb) =>
        this.sftp.ext_openssh_statvfs(dir, cb),
      );
      return Number(info.f_bavail) * Number(info.f_frsize) < 1024 * 1024;
    } catch {
      return false;
    }
  }

  end(): void {
    if (!this.closed) this.sftp.end();
  }
}

export async function openSftp(client: Client): Promise<SftpSession> {
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
    try {
      client.sftp((error, channel) => (error ? reject(error) : resolve(channel)));
    } catch (error) {
      reject(error);
    }
  }).catch((error: Error) => {
    if (/not connected/i.test(error.message)) throw new ConnectionError('the connection closed before the SFTP sync', undefined, error);
    throw new SftpUnavailableError(`the server refused an SFTP channel: ${error.message}`, 'enable the sftp subsystem on the server, or set sync: rsync', error);
  });
  const session = new SftpSession(sftp);
  session.home = await session.realpath('.').catch((error) => {
    session.end();
    throw describeSftpFailure(error, session.closed);
  });
  return session;
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
    const listings: { rel: string; list: FileEntry[] }[] = [];
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
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
