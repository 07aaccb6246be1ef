import type { ServerConfig } from '../../config/types.js';
import type { Context } from '../../context.js';
import type { Host } from '../../host/types.js';
import type { Logger } from '../../log.js';
import type { SshTarget } from '../../ssh/target.js';
import type { ConflictWindow, KeptReport } from '../plan/conflicts.js';
import type { DownloadResult } from '../sftp/download.js';
import type { SftpSession } from '../sftp/session.js';
import type { LocalDest } from '../plan/download-target.js';
import type { Notify } from '../notice.js';
import type { SyncRecord } from '../sync-record.js';
import type { LocalTree, RemoteEntry, SyncProgress } from '../types.js';

// The one shape both sync engines have: push (the project to the server) and pull (a remote path
// here). rsync.ts and sftp.ts implement it; fallback.ts holds the one rule for changing engine.

export type EngineName = 'rsync' | 'sftp';

/** Where and as whom an engine transfers, and where it reports to. */
export interface EngineLink {
  ctx: Pick<Context, 'env' | 'homedir'>;
  server: ServerConfig;
  projectRoot: string;
  /** The host, possibly still being connected (a push's scan runs meanwhile). */
  connection: Promise<Host>;
  /** What OpenSSH (rsync) uses: same host, keys, known_hosts, and the shared socket when reusing. */
  target: SshTarget;
  logger: Logger;
  /** Receives what the user should hear of (names not sent). */
  notify: Notify;
  onProgress?: (text: string) => void;
  /** Stops a push; the SFTP engine removes its temp files first. */
  signal?: AbortSignal;
}

/** One push: the tree to send, and what the last complete sync to this place left. */
export interface PushJob {
  tree: LocalTree;
  record?: SyncRecord;
  /** Remote files edited on the server since that sync ended are kept (conflicts.ts). */
  window?: ConflictWindow;
  onKept: (report: KeptReport) => void;
  /** The remote listing when it was read already (the delete guard's, or one started early); SFTP only. */
  listing?: Promise<RemoteListing | undefined>;
  /** An SFTP session opened ahead (a first sync's): the engine that takes it ends it; SFTP only. */
  takeSession?: () => Promise<SftpSession> | undefined;
}

export interface RemoteListing {
  entries: ReadonlyMap<string, RemoteEntry>;
  leftovers: readonly string[];
}

export interface Pushed {
  filesSent: number;
  bytesSent: number;
  /** rsync: whether it may compare nanoseconds on this target, when it found out (the sync record's). */
  rsyncNs?: boolean;
}

/** One pull: a resolved remote path (sftp/download.ts resolveRemotePath) to where the rule puts it. */
export interface PullJob {
  remotePath: string;
  dest: LocalDest;
  /** Ends an SFTP download once its partial files are removed (rsync downloads ignore it). */
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

export interface SyncEngine {
  readonly name: EngineName;
  push(job: PushJob): Promise<Pushed>;
  pull(job: PullJob): Promise<DownloadResult>;
}

/** What a push shows while it runs: `syncing (rsync): 3/10 files, 1.2 MB`. */
export function progressText(engine: EngineName, p: SyncProgress): string {
  const total = p.totalFiles ? `/${p.totalFiles}` : '';
  return `syncing (${engine}): ${p.files}${total} files, ${(p.bytes / 1e6).toFixed(1)} MB`;
}

// When the server side of a silent transfer counts as abandoned: twice the dead-link timeout, so
// mtr has given up on its end first. The remote rsync is stopped then (rsync/guard.ts; it removes
// its temp file), and an upload temp file untouched that long belongs to no live upload (a live
// one is written to), so the next SFTP sync removes it.
export function abandonAfter(server: Pick<ServerConfig, 'deadLinkTimeout'>): number {
  return 2 * server.deadLinkTimeout;
}
