import type { Client, SFTPWrapper } from 'ssh2';
import { SftpChannelError, SftpOpError, type HostSftp, type SftpAttrsUpdate, type SftpDirEntry, type SftpOpenFlags, type SftpStats } from './sftp.js';

// Opens sockets: HostSftp on one SFTP channel of an ssh2 connection, its callbacks turned into
// promises. Only ssh2's public methods and events, with one exception (maxOpenHandles, below).

type Callback<T> = (error: Error | null | undefined, value?: T) => void;

/**
 * ssh2 stores the server's open-handle limit (OpenSSH's limits@openssh.com reply) on the channel as
 * `maxOpenHandles`, a field its typings and README leave out; nothing else tells it. Read here only;
 * test/e2e/sftp.test.ts fails if ssh2 stops setting it.
 */
export function announcedOpenHandles(sftp: SFTPWrapper): number {
  const value = (sftp as SFTPWrapper & { maxOpenHandles?: unknown }).maxOpenHandles;
  return typeof value === 'number' && value > 0 ? value : Infinity;
}

class Ssh2Sftp implements HostSftp {
  home = '/';
  private ended = false;

  constructor(private readonly sftp: SFTPWrapper) {
    // 'end': the server closed its side (or the link dropped); requests in flight have failed.
    sftp.on('end', () => (this.ended = true));
    sftp.on('close', () => (this.ended = true));
    // A protocol error is followed by 'close'; without a listener it would crash the process.
    sftp.on('error', () => (this.ended = true));
  }

  get closed(): boolean {
    return this.ended;
  }

  get maxOpenHandles(): number {
    return announcedOpenHandles(this.sftp);
  }

  private call<T>(op: string, target: string, start: (cb: Callback<T>) => void): Promise<T> {
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
  stat = (p: string) => this.call<SftpStats>('stat', p, (cb) => this.sftp.stat(p, cb));
  lstat = (p: string) => this.call<SftpStats>('lstat', p, (cb) => this.sftp.lstat(p, cb));
  mkdir = (p: string) => this.call<void>('mkdir', p, (cb) => this.sftp.mkdir(p, cb));
  unlink = (p: string) => this.call<void>('unlink', p, (cb) => this.sftp.unlink(p, cb));
  setstat = (p: string, a: SftpAttrsUpdate) => this.call<void>('setstat', p, (cb) => this.sftp.setstat(p, a, cb));
  readdir = (p: string) => this.call<SftpDirEntry[]>('readdir', p, (cb) => this.sftp.readdir(p, cb));
  readlink = (p: string) => this.call<string>('readlink', p, (cb) => this.sftp.readlink(p, cb));
  // ssh2 swaps the two paths itself for OpenSSH servers (whose SYMLINK order is reversed).
  symlink = (target: string, linkPath: string) => this.call<void>('symlink', linkPath, (cb) => this.sftp.symlink(target, linkPath, cb));
  open = (p: string, flags: SftpOpenFlags, mode: number) => this.call<Buffer>('open', p, (cb) => this.sftp.open(p, flags, { mode }, cb));
  close = (h: Buffer, p: string) => this.call<void>('close', p, (cb) => this.sftp.close(h, cb));
  fsetstat = (h: Buffer, p: string, a: SftpAttrsUpdate) => this.call<void>('fsetstat', p, (cb) => this.sftp.fsetstat(h, a, cb));
  write = (h: Buffer, p: string, buf: Buffer, length: number, position: number) =>
    this.call<void>('write', p, (cb) => this.sftp.write(h, buf, 0, length, position, (e) => cb(e)));
  read = (h: Buffer, p: string, buf: Buffer, offset: number, length: number, position: number) =>
    this.call<number>('download', p, (cb) => this.sftp.read(h, buf, offset, length, position, (e, n) => cb(e, n)));

  // posix-rename replaces the target atomically; plain SFTP rename refuses an existing target.
  // ssh2 throws at once (sending nothing) for an extension the server did not announce.
  async rename(from: string, to: string): Promise<void> {
    let unannounced = false;
    await this.call<void>('rename', to, (cb) => {
      try {
        this.sftp.ext_openssh_rename(from, to, cb);
      } catch {
        unannounced = true;
        cb(undefined);
      }
    });
    if (!unannounced) return;
    try {
      await this.call<void>('rename', to, (cb) => this.sftp.rename(from, to, cb));
    } catch {
      await this.unlink(to).catch(() => undefined);
      await this.call<void>('rename', to, (cb) => this.sftp.rename(from, to, cb));
    }
  }

  async freeBytes(dir: string): Promise<number | undefined> {
    if (this.closed) return undefined;
    return new Promise((resolve) => {
      try {
        this.sftp.ext_openssh_statvfs(dir, (error, info) => resolve(error ? undefined : Number(info.f_bavail) * Number(info.f_frsize)));
      } catch {
        resolve(undefined); // statvfs@openssh.com not announced
      }
    });
  }

  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.sftp.end();
  }
}

/** One more SFTP channel on `client`, at the login directory. */
export async function openSsh2Sftp(client: Client): Promise<HostSftp> {
  // A link that drops while the channel is set up ends it as a server's refusal would ("unexpected
  // SFTP session termination"); ssh2 reports the connection's end first, so that tells them apart.
  let linkGone = false;
  const onGone = () => (linkGone = true);
  client.once('close', onGone).once('end', onGone);
  const channel = await new Promise<SFTPWrapper>((resolve, reject) => {
    const refused = (error: Error) => reject(new SftpChannelError(error.message, linkGone || /not connected/i.test(error.message), error));
    try {
      client.sftp((error, sftp) => (error ? refused(error) : resolve(sftp)));
    } catch (error) {
      refused(error as Error);
    }
  }).finally(() => client.removeListener('close', onGone).removeListener('end', onGone));
  const session = new Ssh2Sftp(channel);
  try {
    session.home = await session.realpath('.');
  } catch (error) {
    if (error instanceof SftpOpError) error.channelClosed = session.closed;
    session.end();
    throw error;
  }
  return session;
}
