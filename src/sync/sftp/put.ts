import fs from 'node:fs';
import path from 'node:path';
import { isDiskFull, SFTP_STATUS, SftpOpError, SyncError, type SftpSession } from './session.js';
import type { LocalEntry } from '../types.js';
import { tempNameFor } from './upload-temp.js';

export { tempNameFor, tempSuffixes } from './upload-temp.js';

// Opens sockets: one file (or symlink) onto an SFTP channel, written under a temp name beside its
// target and renamed over it, so no real name ever holds half a file.

/** Bytes per SFTP WRITE and how many may be unanswered per file: bounded memory, pipelined I/O. */
const CHUNK = 64 * 1024;
const WINDOW = 4;
/** Files up to this size are read in one synchronous call: no thread-pool round trips per file. */
export const SMALL_FILE = 256 * 1024;

// Returns false when the local file vanished since the walk (skipped, like rsync's "vanished" files).
export async function putFile(
  session: SftpSession,
  localPath: string,
  target: string,
  suffix: string,
  entry: LocalEntry,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<boolean> {
  const local = openLocal(localPath);
  if (!local) return false;
  const temp = tempNameFor(target, suffix);
  let handle: Buffer | undefined;
  try {
    handle = await session.open(temp, 'wx', 0o600);
    // SFTP create modes are masked by the server's umask; set mode and mtime explicitly, last.
    const attrs = { mode: entry.mode & 0o7777, atime: entry.mtime, mtime: entry.mtime };
    if (local.data) {
      // A small file: its writes, the times and the close leave in one go (the server answers them
      // in order); only the rename waits, for all of them, so a failed write never gets a real name.
      const open = handle;
      handle = undefined;
      await settleAll([...writeAll(session, open, temp, local.data, onBytes), session.fsetstat(open, temp, attrs), session.close(open, temp)]);
    } else {
      await pumpFile(session, handle, temp, local.fd, signal, onBytes);
      const open = handle;
      handle = undefined;
      await settleAll([session.fsetstat(open, temp, attrs), session.close(open, temp)]);
    }
    await session.rename(temp, target);
    return true;
  } catch (error) {
    // Ask about space before the temp file is removed: once it is gone the disk has room again.
    if (error instanceof SftpOpError && error.code === SFTP_STATUS.failure && !session.closed) {
      error.diskFull = await isDiskFull(session, path.posix.dirname(target));
    }
    if (handle) await session.close(handle, temp).catch(() => undefined);
    if (!session.closed) await session.unlink(temp).catch(() => undefined);
    throw error;
  } finally {
    if (local.fd !== undefined) fs.close(local.fd, () => undefined);
  }
}

interface LocalFile {
  /** The whole content of a small file (its descriptor is already closed). */
  data?: Buffer;
  /** An open descriptor for a large file, streamed by pumpFile. */
  fd?: number;
}

// A small file (most of a source tree) is read whole right away, in a few microseconds, instead of
// three thread-pool round trips; a large one stays open for streaming. undefined = it vanished.
function openLocal(localPath: string): LocalFile | undefined {
  let fd: number;
  try {
    fd = fs.openSync(localPath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw localReadError(localPath, error);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size > SMALL_FILE) return { fd };
    const data = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const n = fs.readSync(fd, data, length, size - length, length);
      if (n === 0) break;
      length += n;
    }
    fs.closeSync(fd);
    return { data: data.subarray(0, length) };
  } catch (error) {
    fs.closeSync(fd);
    throw localReadError(localPath, error);
  }
}

function localReadError(localPath: string, error: unknown): SyncError {
  return new SyncError(`cannot read local file ${localPath}: ${(error as Error).message}`, undefined, error);
}

// A small file's bytes in CHUNK pieces, all sent at once (the SFTP window paces them).
function writeAll(session: SftpSession, handle: Buffer, temp: string, data: Buffer, onBytes: (n: number) => void): Promise<void>[] {
  const writes: Promise<void>[] = [];
  for (let position = 0; position < data.length; position += CHUNK) {
    const piece = data.subarray(position, position + CHUNK);
    writes.push(session.write(handle, temp, piece, piece.length, position).then(() => onBytes(piece.length)));
  }
  return writes;
}

// Waits for every request (so none is still in flight when the caller removes the temp file),
// then fails with the first failure.
async function settleAll(requests: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(requests);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

// Reads the local file in CHUNK pieces with up to WINDOW writes unanswered: memory stays at
// CHUNK × WINDOW per file however large the file, and the link stays busy. Reads to EOF, not to the
// walked size, so a file that grew is sent whole.
async function pumpFile(
  session: SftpSession,
  handle: Buffer,
  temp: string,
  fd: number | undefined,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<void> {
  const inflight = new Set<Promise<void>>();
  let failed: { error: unknown } | undefined;
  const fail = (error: unknown) => void (failed ??= { error });
  for (let position = 0; !failed && !signal.aborted; ) {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const bytesRead = await readAt(fd as number, buffer, position).catch((error: Error) => {
      fail(new SyncError(`cannot read local file: ${error.message}`, undefined, error));
      return 0;
    });
    if (bytesRead === 0) break;
    const write = session.write(handle, temp, buffer, bytesRead, position).then(() => onBytes(bytesRead), fail);
    const tracked = write.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
    position += bytesRead;
    if (inflight.size >= WINDOW) await Promise.race(inflight);
  }
  // Every write is answered before the caller closes or removes the temp file.
  await Promise.all(inflight);
  if (failed) throw failed.error;
  if (signal.aborted) throw signal.reason;
}

function readAt(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buffer, 0, buffer.length, position, (error, n) => (error ? reject(error) : resolve(n))));
}

// A symlink is made under a temp name and renamed over the target, replacing a file or older link.
export async function putSymlink(session: SftpSession, target: string, linkTarget: string, suffix: string): Promise<void> {
  const temp = tempNameFor(target, suffix);
  await session.symlink(linkTarget, temp);
  try {
    await session.rename(temp, target);
  } catch (error) {
    if (!session.closed) await session.unlink(temp).catch(() => undefined);
    throw error;
  }
}
