// mtr's own SFTP surface: what the syncs and downloads ask of a server's file system, as promises
// with mtr's types. ssh2-sftp.ts implements it on an ssh2 connection.

/** SFTP status codes mtr tells apart (SFTP v3: 2 no such file, 3 permission denied, 4 failure). */
export const SFTP_STATUS = { noSuchFile: 2, permissionDenied: 3, failure: 4 } as const;

export interface SftpAttrs {
  mode: number;
  size: number;
  /** Whole seconds (SFTP v3). */
  mtime: number;
  atime: number;
}

export interface SftpStats extends SftpAttrs {
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

export interface SftpDirEntry {
  filename: string;
  attrs: SftpAttrs;
}

export type SftpAttrsUpdate = Partial<Pick<SftpAttrs, 'mode' | 'mtime' | 'atime'>>;

/** Open for reading, or create a new file (failing if it exists). */
export type SftpOpenFlags = 'r' | 'wx';

/** An SFTP request that failed, with what was asked; `code` is the SFTP status (3 = permission denied). */
export class SftpOpError extends Error {
  readonly code: number | string | undefined;
  /** Set by the uploader: the server's disk was full when this bare "Failure" came back. */
  diskFull = false;
  /** Set when the channel was found closed after this failed: the link failed, not the request. */
  channelClosed = false;
  constructor(readonly op: string, readonly path: string, cause: unknown) {
    super(`${op} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = (cause as { code?: number | string } | undefined)?.code;
  }
}

/** The server gave no SFTP channel; `linkGone` when the connection itself was already closed. */
export class SftpChannelError extends Error {
  constructor(message: string, readonly linkGone: boolean, cause?: unknown) {
    super(message, { cause });
  }
}

export interface HostSftp {
  /** Absolute path of the login directory (where `~` points). */
  readonly home: string;
  /** The channel is gone: a request now fails at once instead of waiting for an answer. */
  readonly closed: boolean;
  /** Server's limit on open handles; Infinity when it announces none. */
  readonly maxOpenHandles: number;
  realpath(p: string): Promise<string>;
  stat(p: string): Promise<SftpStats>;
  lstat(p: string): Promise<SftpStats>;
  mkdir(p: string): Promise<void>;
  unlink(p: string): Promise<void>;
  setstat(p: string, attrs: SftpAttrsUpdate): Promise<void>;
  readdir(p: string): Promise<SftpDirEntry[]>;
  readlink(p: string): Promise<string>;
  /** (target, linkPath), like fs.symlink, on every server. */
  symlink(target: string, linkPath: string): Promise<void>;
  open(p: string, flags: SftpOpenFlags, mode: number): Promise<Buffer>;
  /** `p` names the file in errors. */
  close(handle: Buffer, p: string): Promise<void>;
  fsetstat(handle: Buffer, p: string, attrs: SftpAttrsUpdate): Promise<void>;
  write(handle: Buffer, p: string, data: Buffer, length: number, position: number): Promise<void>;
  /** The bytes read: 0 at the end of the file, fewer than asked when the server says so. */
  read(handle: Buffer, p: string, into: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Replaces `to` (atomically where the server can). */
  rename(from: string, to: string): Promise<void>;
  /** Bytes free for this user on the file system holding `dir`; undefined when the server cannot say. */
  freeBytes(dir: string): Promise<number | undefined>;
  end(): void;
}
