import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ServerConfig } from '../config/types.js';
import { ConnectionError, UsageError } from '../errors.js';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import type { Host } from '../host/types.js';
import type { SshTarget } from '../ssh/target.js';
import type { RsyncVersion } from './rsync-version.js';
import { planKeepalive } from '../ssh/keepalive.js';
import { isPasswordOnly } from '../ssh/openssh-args.js';
import { chooseEngine, type EngineChoice } from './choose-engine.js';
import { createIgnoreMatcher, readRulesFile } from './ignore.js';
import { findOnPath } from './local-tools.js';
import { describeUnsendable } from './names.js';
import type { RsyncSummary } from './rsync-progress.js';
import { conflictWindow, formatKeptNotice, isServerEdit, type ConflictWindow, type KeptReport } from './conflicts.js';
import { lastSyncEnded, readFileSystemClock, readSyncRecord, syncRecordName, writeSyncRecord, type SyncRecord } from './sync-record.js';
import type { Notify } from './notice.js';
import type { LocalEntry, LocalTree, RemoteEntry, SyncProgress, SyncStats } from './types.js';
import { statTree, walkLocalTree } from './walk.js';

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

/** The engine for this server, from what is installed here (uploads and --get alike). */
export function chooseServerEngine(server: ServerConfig, target: SshTarget, env: NodeJS.ProcessEnv, localRsync: RsyncVersion | undefined): EngineChoice {
  return chooseEngine({
    configured: server.sync,
    localRsync,
    usesPassword: server.password !== undefined && isPasswordOnly(target),
    hasSshpass: Boolean(findOnPath('sshpass', env)),
  });
}

// When the server side of a silent transfer counts as abandoned: twice the dead-link timeout, so
// mtr has given up on its end first. The remote rsync is stopped then (rsync-guard.ts; it removes
// its temp file), and an upload temp file untouched that long belongs to no live upload (a live
// one is written to), so the next SFTP sync removes it.
export function abandonAfter(server: Pick<ServerConfig, 'deadLinkTimeout'>): number {
  return 2 * server.deadLinkTimeout;
}

function progressText(engine: string, p: SyncProgress): string {
  const total = p.totalFiles ? `/${p.totalFiles}` : '';
  return `syncing (${engine}): ${p.files}${total} files, ${(p.bytes / 1e6).toFixed(1)} MB`;
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
  const { detectLocalRsync } = await import('./rsync-version.js');
  const detecting = server.sync === 'sftp' ? Promise.resolve(undefined) : detectLocalRsync({ env: ctx.env });
  const tree = await (req.tree ?? scanProject(server, req.projectRoot));
  // Regular files: what both engines count as sent (symlinks and dirs are made, not counted).
  const filesTotal = tree.entries.filter((e) => e.type === 'file').length;
  req.logger.debug(`sync: ${tree.entries.length} entries (${filesTotal} files), ${tree.excludedCount} excluded`);
  // What the last complete sync to this place left: when it began (files changed since are
  // doubtful), and whether rsync may compare nanoseconds there.
  const recordName = syncRecordName(req.target, server.remoteDir);
  const record = readSyncRecord(req.projectRoot, recordName);
  const changedSinceMs = record?.startedMs;
  let rsyncNs = record?.rsyncNs;
  // Remote files edited on the server since that sync ended are kept, never overwritten silently.
  const window = conflictWindow(lastSyncEnded(record), new Date());
  // A first sync to this place (no record) is an upload: its SFTP session opens while the listing
  // is read (over a shared master that is a handshake of its own). Never for a run that may send nothing.
  let warmSftp = early && !record ? startSftpSession(req) : undefined;
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
    let choice = chooseServerEngine(server, req.target, ctx.env, localRsync);
    if (choice.notice) req.notify({ kind: 'engine', engine: choice.engine, text: choice.notice });

    // With deletion on, the guard runs before anything is sent, and the listing is reused.
    const manifest = req.deleteRemote ? await readGuardedManifest(req) : undefined;

    let sent: { filesSent: number; bytesSent: number } | undefined;
    if (choice.engine === 'rsync') {
      try {
        const viaRsync = await uploadWithRsync(req, tree, localRsync, record, window, (report) => kept.push(report));
        if (viaRsync.rsyncNs !== undefined) rsyncNs = viaRsync.rsyncNs;
        sent = viaRsync;
      } catch (error) {
        const linkError = await req.connection.then(() => undefined, (e: unknown) => e);
        if (linkError) throw linkError;
        const { RemoteRsyncMissing } = await import('./rsync-errors.js');
        if (!(error instanceof RemoteRsyncMissing) || server.sync !== 'auto') throw error;
        const notice = 'rsync is not installed on the server; syncing with SFTP';
        choice = { engine: 'sftp', notice };
        req.notify({ kind: 'engine', engine: 'sftp', text: notice });
      }
    }
    req.logger.debug(`sync engine: ${choice.engine}`);
    if (!sent) {
      const { syncViaSftp } = await import('./sftp.js');
      const listing = manifest ?? (early ? await early.listing : undefined);
      // From here the engine ends the session opened ahead.
      const session = warmSftp;
      warmSftp = undefined;
      const viaSftp = await syncViaSftp({
        host: await req.connection,
        root: req.projectRoot,
        // SFTP compares sizes and mtimes: a tree scanned for rsync gets them now.
        tree: await statTree(tree),
        remoteDir: server.remoteDir,
        leftoverAgeSeconds: abandonAfter(server),
        ...(changedSinceMs === undefined ? {} : { changedSinceMs }),
        ...(window ? { keepServerEdits: window, onKept: (report: KeptReport) => kept.push(report) } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(listing ? { remote: listing.entries, leftovers: listing.leftovers } : {}),
        ...(session ? { session } : {}),
        onProgress: (p) => req.onProgress?.(progressText('sftp', p)),
      });
      const unsent = describeUnsendable(viaSftp.plan.unsendable);
      if (unsent) req.notify({ kind: 'unsendable', text: unsent });
      sent = viaSftp;
    }

    let deleted = 0;
    if (manifest) deleted = await deleteMissing(req, tree, manifest.entries, window, (report) => kept.push(report));
    // Only a sync that got here is recorded: after a failure the previous record still holds.
    const done: SyncRecord | undefined = tree.startedMs === undefined ? undefined : { startedMs: tree.startedMs, endedMs: Date.now(), ...(rsyncNs === undefined ? {} : { rsyncNs }) };
    if (done && !writeSyncRecord(req.projectRoot, recordName, done)) {
      req.logger.debug('sync: could not write the sync record in .mtr/sync-state/');
    }
    const { filesSent, bytesSent } = sent;
    return { engine: choice.engine, filesSent, bytesSent, deleted, filesTotal, ms: Date.now() - started, ...(choice.notice ? { notice: choice.notice } : {}) };
  }
}

function startSftpSession(req: SyncRequest) {
  const session = req.connection.then(async (host) => {
    const { openSftp } = await import('./sftp-session.js');
    return openSftp(host);
  });
  session.catch(() => undefined);
  return session;
}

function startSftpListing(req: SyncRequest) {
  const listing = req.connection.then(async (host) => {
    const { readRemoteManifest } = await import('./remote-manifest.js');
    return readRemoteManifest(host, req.server.remoteDir, { leftoverAgeSeconds: abandonAfter(req.server) });
  });
  // Awaited later; a failure then is reported where it is awaited.
  listing.catch(() => undefined);
  return { listing };
}

// rsync rides the run's own ssh2 connection (one handshake for the whole run) unless commands go
// through a shared master, where its ssh costs no handshake either.
async function uploadWithRsync(
  req: SyncRequest,
  tree: LocalTree,
  localRsync: RsyncVersion | undefined,
  record: SyncRecord | undefined,
  window: ConflictWindow | undefined,
  onKept: (report: KeptReport) => void,
) {
  const connection = await req.connection;
  const { runRsync } = await import('./rsync.js');
  const { sendWithRsync, wantsNanoseconds } = await import('./rsync-send.js');
  // Asked once per target, before the first rsync sync there that could use it: may rsync compare
  // nanoseconds? (Before, not beside: a sync comparing whole seconds leaves folder times a
  // fraction off, which the first nanosecond sync would then set again.)
  const asked = record?.rsyncNs === undefined && wantsNanoseconds(localRsync, true, tree.startedMs) ? await askAboutNanoseconds(req, connection) : undefined;
  const rsyncNs = record?.rsyncNs ?? asked;
  const sending = sendWithRsync({
    tree,
    ...(record ? { changedSinceMs: record.startedMs } : {}),
    // Files watch mode sent have whole-second mtimes: compared to the nanosecond they would all differ.
    nanoseconds: wantsNanoseconds(localRsync, rsyncNs, tree.startedMs) && !record?.watchWrote,
    log: req.logger,
    run: (pass) =>
      runRsync({
        ...pass,
        root: req.projectRoot,
        remoteDir: req.server.remoteDir,
        target: req.target,
        homedir: req.ctx.homedir,
        env: req.ctx.env,
        log: req.logger,
        ...(localRsync ? { version: localRsync } : {}),
        ...(connection.shared ? {} : { tunnel: connection }),
        ...(req.signal ? { signal: req.signal } : {}),
        ioTimeoutSeconds: abandonAfter(req.server),
        remoteGuard: { checkSeconds: planKeepalive(req.server.deadLinkTimeout).intervalSeconds, idleSeconds: abandonAfter(req.server) },
        // Each pass its own backup folder, sorted out on the server right after it.
        ...(window ? { keepServerEdits: { incoming: `.incoming-${randomBytes(6).toString('hex')}`, window }, onKept } : {}),
      }),
    // openrsync takes no file list: the doubtful files go over SFTP instead.
    ...(localRsync?.openrsync ? { sendDoubtful: (entries: LocalEntry[]) => sendOverSftp(req, tree.root, entries, window, onKept) } : {}),
    onProgress: (p) => req.onProgress?.(progressText('rsync', p)),
  }).then((sent) => ({ ...sent, rsyncNs: sent.nanosecondsRefused ? false : asked }));
  const control = connection.shared ? req.target.control : undefined;
  if (!control) return sending;
  // rsync's ssh through a master that died (its link gone) says nothing useful: name what happened.
  return sending.catch(async (error: unknown) => {
    const { isMasterAlive } = await import('../ssh/mux-client.js');
    if (error instanceof UsageError || (await isMasterAlive(control.path))) throw error;
    const where = `${req.target.user}@${req.target.host}:${req.target.port}`;
    throw new ConnectionError(`the shared connection to ${where} dropped during the transfer (rsync)`, 'run again: rsync renames only complete files into place', error);
  });
}

async function askAboutNanoseconds(req: SyncRequest, connection: Host): Promise<boolean | undefined> {
  const { probeRemoteNs } = await import('./rsync-ns.js');
  const able = await probeRemoteNs(connection, req.server.remoteDir);
  req.logger.debug(`sync: nanosecond mtimes on this target: ${able === undefined ? 'could not ask' : able ? 'yes' : 'no'}`);
  return able;
}

// Sent whatever the remote copies look like (an empty remote listing): their folders exist already.
async function sendOverSftp(req: SyncRequest, root: string, entries: LocalEntry[], window: ConflictWindow | undefined, onKept: (report: KeptReport) => void): Promise<RsyncSummary> {
  const { syncViaSftp } = await import('./sftp.js');
  const tree = await statTree({ root, entries: [...entries], excludedCount: 0, statted: false });
  const sent = await syncViaSftp({
    host: await req.connection,
    root,
    tree,
    remoteDir: req.server.remoteDir,
    remote: new Map(),
    ...(window ? { keepServerEdits: window, statTargets: true, onKept } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  return sent;
}

async function readGuardedManifest(req: SyncRequest) {
  const connection = await req.connection;
  const { readRemoteManifest } = await import('./remote-manifest.js');
  const { checkDeleteTarget, checkResolvedDeleteTarget, precheckDeleteTarget, refuseDelete } = await import('./sftp-plan.js');
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
  const { planDeletions } = await import('./sftp-plan.js');
  const { applyDeletions } = await import('./delete.js');
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
    const { keepRemoteFiles } = await import('./delete.js');
    const report = await keepRemoteFiles(host, req.server.remoteDir, keep, (window as ConflictWindow).folder);
    if (report) onKept(report);
  }
  const kept = new Set(keep);
  return applyDeletions(host, req.server.remoteDir, { ...plan, files: plan.files.filter((p) => !kept.has(p)) });
}
