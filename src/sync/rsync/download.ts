// Opens sockets and starts processes: `--get` with rsync. One exec asks what the remote path is
// (directory, file, or missing); rsync then fetches it (through the relay over the open connection
// when it is a direct one), so a repeated download fetches only what changed.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConnectionError, SyncError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { wrapForLoginShell } from '../../remote/command.js';
import type { Host } from '../../host/types.js';
import type { SshTarget } from '../../ssh/target.js';
import type { DownloadResult } from '../sftp/download.js';
import { localKind, planLocalTarget, type LocalDest } from '../plan/download-target.js';
import { buildKindProbe, parseKind } from '../remote/kind.js';
import { runRsyncPull } from './run.js';
import type { RsyncVersion } from './version.js';
import type { SyncProgress } from '../types.js';

export interface RsyncDownloadOptions {
  /** The relay rides it when it is mtr's own connection. */
  host: Host;
  /** What OpenSSH uses when rsync runs its own ssh (a shared master, openrsync). */
  target: SshTarget;
  /** Resolved remote path (resolveRemotePath). */
  remotePath: string;
  /** Where it goes (plan/download-target.ts has the rule). */
  dest: LocalDest;
  /** The rsync found here (runRsync looks for it when absent). */
  version?: RsyncVersion;
  homedir: string;
  env: NodeJS.ProcessEnv;
  log?: Logger;
  onProgress?: (progress: SyncProgress) => void;
}

export async function downloadViaRsync(options: RsyncDownloadOptions): Promise<DownloadResult> {
  const { host, remotePath } = options;
  const probe = await host.capture(wrapForLoginShell(buildKindProbe(remotePath)));
  const kind = parseKind(probe.stdout.toString('utf8'));
  if (probe.code === null) throw new ConnectionError('the connection dropped before the download');
  if (!kind) throw new SyncError(`could not inspect ${remotePath} on the server: ${probe.stderr.toString('utf8').trim() || `exit ${probe.code}`}`);
  if (kind === 'missing') throw new SyncError(`${remotePath} does not exist on the server`, 'check the path (relative paths start at remote_dir)');
  const name = path.posix.basename(remotePath.replace(/\/+$/, '') || '/');
  const localPath = planLocalTarget({ dest: options.dest, name, remoteKind: kind, kindOf: localKind });
  try {
    await fsp.mkdir(path.dirname(localPath), { recursive: true });
  } catch (error) {
    throw new SyncError(`could not write locally: ${(error as Error).message}`, undefined, error);
  }
  const summary = await runRsyncPull({
    remotePath,
    kind,
    localTarget: localPath,
    target: options.target,
    homedir: options.homedir,
    env: options.env,
    ...(options.version ? { version: options.version } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(host.shared ? {} : { tunnel: host }),
    onProgress: (p) => options.onProgress?.({ files: p.files, bytes: p.bytes }),
  });
  return { localPath, files: summary.filesSent, bytes: summary.bytesSent };
}
