import path from 'node:path';
import type { ServerConfig } from '../config/types.js';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import type { Host } from '../host/types.js';
import type { SshTarget } from '../ssh/target.js';
import { chooseServerEngine, runWithFallback } from './engine/fallback.js';
import { abandonAfter, type PushJob } from './engine/types.js';
import { createIgnoreMatcher, readRulesFile } from './scan/ignore.js';
import { conflictWindow, formatKeptNotice, isServerEdit, type ConflictWindow, type KeptReport } from './plan/conflicts.js';
import { lastSyncEnded, readFileSystemClock, readSyncRecord, syncRecordName, writeSyncRecord, type SyncRecord } from './sync-record.js';
import type { Notify } from './notice.js';
import type { LocalTree, RemoteEntry, ScannedTree, StattedTree, SyncStats } from './types.js';
import { walkLocalTree } from './scan/walk.js';
import { bundlesWhole } from './plan/bundle.js';

export interface SyncRequest {
  ctx: Context;
  server: ServerConfig;
  projectRoot: string;
  /** The host, possibly still being connected (the scan runs meanwhile). */
  connection: Promise<Host>;
  /** What OpenSSH (rsync) uses: same host, keys, known_hosts, and the shared socket when reusing. */
  target: SshTarget;
  /** A scan started earlier, e.g. while connecting. */
  tree?: Promise<LocalTree>;
  logger: Logger;
  /** Mirror local deletions (server `delete: true` or --delete). */
  deleteRemote: boolean;
  onProgress?: (text: string) => void;
  /** Receives what the user should hear of (another engine, names not sent). */
  notify: Notify;
  /** Stops the transfer; the SFTP engine removes its temp files first. Rejects with the reason. */
  signal?: AbortSignal;
}

// A download_dir inside the project holds what came from the server: never send it back.
export function syncExcludes(server: ServerConfig, projectRoot: string): string[] {
  const extra: string[] = [];
  if (server.downloadDir) {
    const rel = path.relative(projectRoot, server.downloadDir);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) extra.push(`/${rel.split(path.sep).join('/')}/`);
  }
  return [...server.exclude, ...extra];
}

/**
 * The tree to send. Without `stat`, names and types only: enough for rsync (the likely engine).
 * It notes when the scan began, by the file system's clock, for the sync record.
 */
export async function scanProject(server: ServerConfig, projectRoot: string, options: { stat: true }): Promise<StattedTree>;
export async function scanProject(server: ServerConfig, projectRoot: string, options: { stat: false }): Promise<ScannedTree>;
export async function scanProject(server: ServerConfig, projectRoot: string, options?: { stat?: boolean }): Promise<LocalTree>;
export async function scanProject(server: ServerConfig, projectRoot: string, options: { stat?: boolean } = {}): Promise<LocalTree> {
  const startedMs = readFileSystemClock(projectRoot);
  const matcher = createIgnoreMatcher(projectRoot, {
    exclude: syncExcludes(server, projectRoot),
    respectGitignore: server.respectGitignore,
    readFile: readRulesFile,
  });
  const tree = await walkLocalTree(projectRoot, matcher, { stat: options.stat ?? server.sync === 'sftp' });
  if (startedMs !== undefined) tree.startedMs = startedMs;
  return tree;
}

// Makes the remote project match the local one: scan with the shared ignore rules, pick the engine,
// send what changed, then (only when asked) delete what the user deleted locally.
export async function syncProject(req: SyncRequest): Promise<SyncStats & { notice?: string }> {
  const started = Date.now();
  const { server, ctx } = req;
  req.onProgress?.('scanning project');
  // sync: sftp needs the remote listing: fetch it while the scan runs.
  const early = server.sync === 'sftp' && !req.deleteRemote ? startSftpListing(req) : undefined;
  // `rsync --version` (a process) runs while the tree is scanned.
  const { detectLocalRsync } = await import('./rsync/version.js');
  const detecting = server.sync === 'sftp' ? Promise.resolve(undefined) : detectLocalRsync({ env: ctx.env });
  const tree = await (req.tree ?? scanProject(server, req.projectRoot));
  // Regular files: what both engines count as sent (symlinks and dirs are made, not counted).
  const filesTotal = tree.entries.filter((e) => e.type === 'file').length;
  req.logger.debug(`sync: ${tree.entries.length} entries (${filesTotal} files), ${tree.excludedCount} excluded`);
  // What the last complete sync to this place left: when it began (files changed since are
  // doubtful), and whether rsync may compare nanoseconds there.
  const recordName = syncRecordName(req.target, server.remoteDir);
  const record = readSyncRecord(req.projectRoot, recordName);
  let rsyncNs = record?.rsyncNs;
  // Remote files edited on the server since that sync ended are kept, never overwritten silently.
  const window = conflictWindow(lastSyncEnded(record), new Date());
  // A first sync to this place (no record) is an upload: its SFTP session opens while the listing
  // is read (over a shared master that is a handshake of its own). Never for a run that may send
  // nothing, nor for a tree that goes whole as one tar stream to an empty remote_dir (plan/bundle.ts),
  // which needs no SFTP; should the listing show otherwise, the session opens then.
  let warmSftp = early && !record && !bundlesWhole(tree.entries) ? startSftpSession(req) : undefined;
  const kept: KeptReport[] = [];
  try {
    return await sendAndRecord();
  } finally {
    // Not handed to the SFTP engine (a failure came first): nobody else ends it.
    void warmSftp?.then((session) => session.end(), () => undefined);
    const notice = formatKeptNotice(server.name, kept);
    if (notice) req.notify({ kind: 'kept', text: notice });
  }

  // The engines' part: send, delete when asked, then record the sync.
  async function sendAndRecord(): Promise<SyncStats & { notice?: string }> {
    const localRsync = await detecting;
    const choice = chooseServerEngine(server, req.target, ctx.env, localRsync);
    if (choice.notice) req.notify({ kind: 'engine', engine: choice.engine, text: choice.notice });

    // With deletion on, the guard runs before anything is sent, and the listing is reused.
    const manifest = req.deleteRemote ? await readGuardedManifest(req) : undefined;
    const listing = manifest ? Promise.resolve(manifest) : early?.listing;
    const job: PushJob = {
      tree,
      ...(record ? { record } : {}),
      ...(window ? { window } : {}),
      onKept: (report) => kept.push(report),
      ...(listing ? { listing } : {}),
      // From here the engine that takes it ends the session opened ahead.
      takeSession: () => {
        const session = warmSftp;
        warmSftp = undefined;
        return session;
      },
    };
    const { openEngine } = await import('./engine/open.js');
    const pushed = await runWithFallback({
      configured: server.sync,
      direction: 'push',
      engine: choice.engine,
      run: (name) => {
        if (name === 'sftp') req.logger.debug('sync engine: sftp');
        return openEngine(name, req, localRsync).push(job);
      },
      onFallback: (text) => req.notify({ kind: 'engine', engine: 'sftp', text }),
      connection: req.connection,
    });
    if (pushed.engine === 'rsync') req.logger.debug('sync engine: rsync');
    if (pushed.value.rsyncNs !== undefined) rsyncNs = pushed.value.rsyncNs;
    const notice = pushed.notice ?? choice.notice;

    let deleted = 0;
    if (manifest) deleted = await deleteMissing(req, tree, manifest.entries, window, (report) => kept.push(report));
    // Only a sync that got here is recorded: after a failure the previous record still holds.
    const done: SyncRecord | undefined = tree.startedMs === undefined ? undefined : { startedMs: tree.startedMs, endedMs: Date.now(), ...(rsyncNs === undefined ? {} : { rsyncNs }) };
    if (done && !writeSyncRecord(req.projectRoot, recordName, done)) {
      req.logger.debug('sync: could not write the sync record in .mtr/sync-state/');
    }
    const { filesSent, bytesSent } = pushed.value;
    return { engine: pushed.engine, filesSent, bytesSent, deleted, filesTotal, ms: Date.now() - started, ...(notice ? { notice } : {}) };
  }
}

function startSftpSession(req: SyncRequest) {
  const session = req.connection.then(async (host) => {
    const { openSftp } = await import('./sftp/session.js');
    return openSftp(host);
  });
  session.catch(() => undefined);
  return session;
}

function startSftpListing(req: SyncRequest) {
  const listing = req.connection.then(async (host) => {
    const { readRemoteManifest } = await import('./sftp/manifest.js');
    return readRemoteManifest(host, req.server.remoteDir, { leftoverAgeSeconds: abandonAfter(req.server) });
  });
  // Awaited later; a failure then is reported where it is awaited.
  listing.catch(() => undefined);
  return { listing };
}

async function readGuardedManifest(req: SyncRequest) {
  const connection = await req.connection;
  const { readRemoteManifest } = await import('./sftp/manifest.js');
  const { checkDeleteTarget, checkResolvedDeleteTarget, precheckDeleteTarget, refuseDelete } = await import('./plan/delete-guard.js');
  const early = precheckDeleteTarget(req.server.remoteDir);
  if (early) throw early;
  const manifest = await readRemoteManifest(connection, req.server.remoteDir, {
    realPaths: true,
    leftoverAgeSeconds: abandonAfter(req.server),
  });
  // By name first (the clearest message), then by the server's real paths (symlinks).
  const refusal =
    checkDeleteTarget(req.server.remoteDir, manifest.home) ??
    (manifest.real ? checkResolvedDeleteTarget(req.server.remoteDir, manifest.real.dir, manifest.real.home) : undefined) ??
    (manifest.refused ? refuseDelete(req.server.remoteDir, 'the root directory, your home directory or a parent of it on the server') : undefined);
  if (refusal) throw refusal;
  return manifest;
}

async function deleteMissing(
  req: SyncRequest,
  tree: LocalTree,
  remote: ReadonlyMap<string, RemoteEntry>,
  window: ConflictWindow | undefined,
  onKept: (report: KeptReport) => void,
): Promise<number> {
  const { planDeletions } = await import('./plan/changes.js');
  const { applyDeletions } = await import('./remote/delete.js');
  const matcher = createIgnoreMatcher(req.projectRoot, {
    exclude: syncExcludes(req.server, req.projectRoot),
    respectGitignore: req.server.respectGitignore,
    readFile: readRulesFile,
  });
  const plan = planDeletions(tree, remote, (p, isDir) => matcher.isIgnored(p, isDir));
  req.logger.debug(`delete: ${plan.files.length} files, ${plan.dirs.length} dirs`);
  if (!plan.files.length && !plan.dirs.length) return 0;
  const host = await req.connection;
  // The server's own edits among them are kept instead (their folders then stay, not empty).
  const keep = window ? plan.files.filter((p) => isServerEdit(remote.get(p) ?? { mtime: 0 }, window)) : [];
  if (keep.length) {
    const { keepRemoteFiles } = await import('./remote/delete.js');
    const report = await keepRemoteFiles(host, req.server.remoteDir, keep, (window as ConflictWindow).folder);
    if (report) onKept(report);
  }
  const kept = new Set(keep);
  return applyDeletions(host, req.server.remoteDir, { ...plan, files: plan.files.filter((p) => !kept.has(p)) });
}
