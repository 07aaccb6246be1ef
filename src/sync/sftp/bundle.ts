import fs from 'node:fs';
import path from 'node:path';
import { ConnectionError } from '../../errors.js';
import { wrapForLoginShell } from '../../remote/command.js';
import type { HostChannel, HostExec } from '../../host/types.js';
import { planBundleMoves, type Bundle } from '../plan/bundle.js';
import { SyncError } from './session.js';
import { BUNDLE_MOVES, BUNDLE_TREE, buildBundleScript, buildMovesScript, NO_TAR } from './bundle-script.js';
import { tarEnd, tarHeader, tarPadding } from './tar.js';

// Opens a channel: a bundle of new entries (plan/bundle.ts) as one tar stream into the server's
// tar, over one exec of the existing connection. Memory stays bounded: one small file at a time,
// paced by the channel.

export interface BundleSendOptions {
  /** Local project root (entry paths are relative to it). */
  root: string;
  /** remote_dir as configured. */
  remoteDir: string;
  bundle: Bundle;
  suffix: string;
  leftoverAgeSeconds?: number;
  /** Each file written into the stream, with its size. */
  onFile?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface BundleSent {
  /** False: the server has no tar, or refused the channel; nothing was done: send the entries over SFTP. */
  done: boolean;
  files: number;
  bytes: number;
}

export async function sendBundle(host: HostExec, options: BundleSendOptions): Promise<BundleSent> {
  const { bundle, signal } = options;
  signal?.throwIfAborted();
  const script = buildBundleScript({ remoteDir: options.remoteDir, suffix: options.suffix, ...(options.leftoverAgeSeconds === undefined ? {} : { leftoverAgeSeconds: options.leftoverAgeSeconds }) });
  let channel: HostChannel;
  try {
    channel = await host.exec(wrapForLoginShell(script));
  } catch {
    // A speed-up, never a requirement: a server that refuses the channel (MaxSessions) gets the
    // files over SFTP; a link that is gone fails there with its own error.
    return { done: false, files: 0, bytes: 0 };
  }
  const ended = watchChannel(channel);
  const onAbort = () => channel.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  const sent = { files: 0, bytes: 0 };
  try {
    const write = streamWriter(channel, ended.closed);
    const now = Math.floor(Date.now() / 1000);
    for (const dir of bundle.dirs) {
      // Private until the modes are set after the upload (upload.ts modeFixes), as SFTP's mkdir leaves them.
      if (!(await write(tarHeader({ name: `${BUNDLE_TREE}/${dir}`, type: 'dir', mode: 0o700, mtime: now })))) break;
    }
    const inArchive: string[] = [];
    for (const entry of bundle.entries) {
      if (signal?.aborted || ended.isClosed()) break;
      const name = `${BUNDLE_TREE}/${entry.path}`;
      if (entry.type === 'symlink') {
        if (!(await write(tarHeader({ name, type: 'symlink', mode: 0o777, mtime: entry.mtime, linkTarget: entry.linkTarget ?? '' })))) break;
        inArchive.push(entry.path);
        continue;
      }
      const data = readSmallFile(path.join(options.root, entry.path));
      // Vanished since the walk: skipped, as SFTP and rsync skip it.
      if (!data) continue;
      const member = Buffer.concat([tarHeader({ name, type: 'file', mode: entry.mode, mtime: entry.mtime, size: data.length }), data, tarPadding(data.length)]);
      if (!(await write(member))) break;
      inArchive.push(entry.path);
      sent.files++;
      sent.bytes += data.length;
      options.onFile?.(data.length);
    }
    if (!ended.isClosed() && !signal?.aborted) {
      const moves = Buffer.from(buildMovesScript(planBundleMoves(bundle.dirs, inArchive), bundle.modes), 'utf8');
      const member = Buffer.concat([tarHeader({ name: BUNDLE_MOVES, type: 'file', mode: 0o600, mtime: now, size: moves.length }), moves, tarPadding(moves.length), tarEnd()]);
      if (await write(member)) channel.stdin.end();
    }
    const { code, stderr } = await ended.result;
    signal?.throwIfAborted();
    if (code === NO_TAR) return { done: false, files: 0, bytes: 0 };
    if (code === null) throw new ConnectionError('the connection dropped while sending the new files');
    if (code !== 0) {
      const said = stderr.trim().split('\n').slice(-3).join('; ');
      throw new SyncError(`the server could not unpack the new files (exit ${code})${said ? `: ${said}` : ''}`, 'check the free space and permissions in remote_dir');
    }
    return { done: true, ...sent };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

interface ChannelEnd {
  /** Settles when the channel is closed, with how the command ended and the tail of its stderr. */
  result: Promise<{ code: number | null; stderr: string }>;
  closed: Promise<void>;
  isClosed(): boolean;
}

const STDERR_KEPT = 16 * 1024;

function watchChannel(channel: HostChannel): ChannelEnd {
  let code: number | null = null;
  let stderr = '';
  let isClosed = false;
  channel.stdout.resume();
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
  });
  // A server that ends the command early (no tar) may close stdin under a write.
  channel.stdin.on('error', () => undefined);
  channel.on('exit', (status) => (code = status));
  const closed = new Promise<void>((resolve) =>
    channel.on('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  return { result: closed.then(() => ({ code, stderr })), closed, isClosed: () => isClosed };
}

// Writes with the channel's flow control; false once the channel is gone (nothing more to send).
function streamWriter(channel: HostChannel, closed: Promise<void>): (chunk: Buffer) => Promise<boolean> {
  let gone = false;
  void closed.then(() => (gone = true));
  return async (chunk) => {
    if (gone) return false;
    if (channel.stdin.write(chunk)) return true;
    await Promise.race([new Promise<void>((resolve) => channel.stdin.once('drain', () => resolve())), closed]);
    return !gone;
  };
}

// A small file's bytes in one call; undefined when it vanished.
function readSmallFile(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SyncError(`cannot read local file ${file}: ${(error as Error).message}`, undefined, error);
  }
}
