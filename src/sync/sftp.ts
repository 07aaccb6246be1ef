import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from 'ssh2';
import { readRemoteManifest } from './remote-manifest.js';
import { planUpload, type UploadPlan } from './sftp-plan.js';
import { runPool } from './sftp-pool.js';
import { describeSftpFailure, openSftp, resolveSftpPath, SFTP_STATUS, SftpOpError, SyncError, type SftpSession } from './sftp-session.js';
import type { LocalEntry, LocalTree, RemoteEntry, SyncProgress } from './types.js';

// Opens sockets: the SFTP sync engine. One SFTP channel on the existing connection; every file is
// written to a temp name beside its target and renamed over it, so no real name ever holds half a file.

export interface SftpSyncOptions {
  client: Client;
  /** Local project root (tree paths are relative to it). */
  root: string;
  tree: LocalTree;
  /** remote_dir as configured (`~/…`, relative = below home, or absolute). */
  remoteDir: string;
  /** The remote listing when the caller already read it (dry run, deletions); read here otherwise. */
  remote?: ReadonlyMap<string, RemoteEntry>;
  onProgress?: (progress: SyncProgress) => void;
  /** Files in flight at once per SFTP channel; also capped by the server's open-handle limit. */
  concurrency?: number;
  /** Most SFTP channels to upload over (default 4; more are opened only for many files). */
  maxChannels?: number;
  signal?: AbortSignal;
}

export interface SftpSyncResult {
  /** Files and symlinks written. */
  filesSent: number;
  bytesSent: number;
  plan: UploadPlan;
}

/** Bytes per SFTP WRITE and how many may be unanswered per file: bounded memory, pipelined I/O. */
const CHUNK = 64 * 1024;
const WINDOW = 4;
const NAME_MAX = 255;
/** SFTP channels of one upload: each is its own server process, so file creation runs in parallel. */
const MAX_CHANNELS = 4;
const FILES_PER_CHANNEL = 256;
/** Files in flight per channel (also capped by the server's open-handle limit). */
const PER_CHANNEL = 32;
/** Files up to this size are read in one synchronous call: no thread-pool round trips per file. */
const SMALL_FILE = 256 * 1024;

/**
 * Temp-name suffixes: a random run prefix and a counter (hex). Unique within a run by the counter,
 * across runs by the prefix; the exclusive create ('wx') refuses a clash rather than overwrite.
 */
export function tempSuffixes(prefix = randomBytes(4).toString('hex')): () => string {
  let n = 0;
  return () => `${prefix}${(n++).toString(16)}`;
}

/**
 * How many SFTP channels an upload of `files` files uses: one per FILES_PER_CHANNEL, at most `max`.
 * sshd allows 10 sessions per connection by default; the run's own exec needs one.
 */
export function uploadChannels(files: number, max = MAX_CHANNELS): number {
  return Math.max(1, Math.min(Math.floor(max) || 1, Math.ceil(files / FILES_PER_CHANNEL)));
}

/** `.<name>.mtr-tmp-<hex>` beside the target; a bare `.mtr-tmp-<hex>` when the name is too long. */
export function tempNameFor(target: string, random: string): string {
  const name = path.posix.basename(target);
  const long = `.${name}.mtr-tmp-${random}`;
  const base = Buffer.byteLength(long) <= NAME_MAX ? long : `.mtr-tmp-${random}`;
  return path.posix.join(path.posix.dirname(target), base);
}

export async function syncViaSftp(options: SftpSyncOptions): Promise<SftpSyncResult> {
  const { client, root, tree, onProgress, signal } = options;
  if (tree.statted === false) throw new Error('internal: the SFTP engine needs a scan with stats (statTree)');
  // The SFTP subsystem opens only when there is something to send: a no-change run with the
  // listing already fetched never starts it.
  let opened: SftpSession | undefined;
  let extra: SftpSession[] = [];
  try {
    const remote = options.remote ?? (await readRemoteManifest(client, options.remoteDir, { session: (opened ??= await openSftp(client)) })).entries;
    const plan = planUpload(tree, remote);
    if (plan.conflicts.length > 0) {
      const list = plan.conflicts.slice(0, 3).join(', ');
      throw new SyncError(`remote directories stand where local files go: ${list}`, 'remove or rename them on the server, then sync again');
    }
    if (isEmptyPlan(plan) && options.remote) return { filesSent: 0, bytesSent: 0, plan };
    const session = (opened ??= await openSftp(client));
    const base = resolveSftpPath(options.remoteDir, session.home);
    const width = Math.max(1, Math.min(options.concurrency ?? PER_CHANNEL, session.maxOpenHandles - 2));
    await mkdirP(session, base);
    await runPool(plan.removals, width, (p) => session.unlink(remotePath(base, p)), { signal });
    for (const level of byDepth(plan.mkdirs)) {
      await runPool(level, width, (p) => session.mkdir(remotePath(base, p)), { signal });
    }
    // Regular files only, as the rsync engine counts them (symlinks are sent, not counted).
    const sendCount = plan.uploads.length + plan.symlinks.length;
    extra = await openExtraSessions(client, uploadChannels(sendCount, options.maxChannels) - 1);
    // Lane i uses channel i mod n: each channel has exactly `width` files in flight.
    const channels = [session, ...extra];
    const nextSuffix = tempSuffixes();
    const progress: SyncProgress = { files: 0, bytes: 0, totalFiles: plan.uploads.length, totalBytes: plan.bytes };
    const report = () => onProgress?.({ ...progress });
    report();
    const sendOne = async (entry: LocalEntry, _index: number, abort: AbortSignal, lane: number) => {
      const channel = channels[lane % channels.length] as SftpSession;
      const target = remotePath(base, entry.path);
      if (entry.type === 'symlink') {
        await replaceSymlink(channel, target, entry.linkTarget ?? '', nextSuffix());
        return;
      } else {
        const temp = tempNameFor(target, nextSuffix());
        const sent = await uploadFile(channel, path.join(root, entry.path), target, temp, entry, abort, (n) => {
          progress.bytes += n;
          report();
        });
        if (!sent) return;
      }
      progress.files++;
      report();
    };
    await runPool([...plan.uploads, ...plan.symlinks], width * channels.length, sendOne, { signal });
    // Modes last: a read-only directory must not refuse the files written into it.
    await runPool(plan.modeFixes, width, (f) => session.setstat(remotePath(base, f.path), { mode: f.mode }), { signal });
    return { filesSent: progress.files, bytesSent: progress.bytes, plan };
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    throw describeSftpFailure(error, [opened, ...extra].some((s) => s?.closed));
  } finally {
    for (const s of extra) s.end();
    opened?.end();
  }
}

// Extra channels are a speed-up, never a requirement: one the server refuses (MaxSessions) is skipped.
async function openExtraSessions(client: Client, count: number): Promise<SftpSession[]> {
  if (count <= 0) return [];
  const settled = await Promise.allSettled(Array.from({ length: count }, () => openSftp(client)));
  return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

function isEmptyPlan(plan: UploadPlan): boolean {
  return !plan.mkdirs.length && !plan.uploads.length && !plan.modeFixes.length && !plan.symlinks.length && !plan.removals.length;
}

function remotePath(base: string, rel: string): string {
  return path.posix.join(base, rel);
}

function byDepth(dirs: readonly string[]): string[][] {
  const levels: string[][] = [];
  for (const d of dirs) (levels[d.split('/').length - 1] ??= []).push(d);
  return levels.filter(Boolean);
}

// remote_dir and any missing parents; an existing directory (even a symlink to one) is fine.
async function mkdirP(session: SftpSession, dir: string): Promise<void> {
  const found = await session.stat(dir).catch((error: SftpOpError) => {
    if (error.code === SFTP_STATUS.noSuchFile) return undefined;
    throw error;
  });
  if (found?.isDirectory()) return;
  if (found) throw new SyncError(`remote_dir ${dir} exists but is not a directory`, 'choose another remote_dir');
  const parent = path.posix.dirname(dir);
  if (parent !== dir) await mkdirP(session, parent);
  await session.mkdir(dir).catch(async (error) => {
    if (!(await session.stat(dir).then((s) => s.isDirectory(), () => false))) throw error;
  });
}

// Returns false when the local file vanished since the walk (skipped, like rsync's "vanished" files).
async function uploadFile(
  session: SftpSession,
  localPath: string,
  target: string,
  temp: string,
  entry: LocalEntry,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<boolean> {
  const local = openLocal(localPath);
  if (!local) return false;
  let handle: Buffer | undefined;
  try {
    handle = await session.open(temp, 'wx', 0o600);
    await (local.data ? writeAll(session, handle, temp, local.data, onBytes) : pumpFile(session, handle, temp, local.fd, signal, onBytes));
    // SFTP create modes are masked by the server's umask; set mode and mtime explicitly, last.
    await session.fsetstat(handle, temp, { mode: entry.mode & 0o7777, atime: entry.mtime, mtime: entry.mtime });
    const open = handle;
    handle = undefined;
    await session.close(open, temp);
    await session.rename(temp, target);
    return true;
  } catch (error) {
    // Ask about space before the temp file is removed: once it is gone the disk has room again.
    if (error instanceof SftpOpError && error.code === SFTP_STATUS.failure && !session.closed) {
      error.diskFull = await session.isDiskFull(path.posix.dirname(target));
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
async function writeAll(session: SftpSession, handle: Buffer, temp: string, data: Buffer, onBytes: (n: number) => void): Promise<void> {
  const writes: Promise<void>[] = [];
  for (let position = 0; position < data.length; position += CHUNK) {
    const piece = data.subarray(position, position + CHUNK);
    writes.push(session.write(handle, temp, piece, piece.length, position).then(() => onBytes(piece.length)));
  }
  // Every write is answered (or failed) before the caller closes or removes the temp file.
  const results = await Promise.allSettled(writes);
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
async function replaceSymlink(session: SftpSession, target: string, linkTarget: string, suffix: string): Promise<void> {
  const temp = tempNameFor(target, suffix);
  await session.symlink(linkTarget, temp);
  try {
    await session.rename(temp, target);
  } catch (error) {
    if (!session.closed) await session.unlink(temp).catch(() => undefined);
    throw error;
  }
}
