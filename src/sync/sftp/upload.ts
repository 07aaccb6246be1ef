import path from 'node:path';
import type { Host } from '../../host/types.js';
import { readRemoteManifest } from './manifest.js';
import { isServerEdit, type ConflictWindow, type KeptReport, type Written } from '../plan/conflicts.js';
import { planKeeps, planUpload, type UploadPlan } from '../plan/changes.js';
import { planBundle, type Bundle } from '../plan/bundle.js';
import { keepOnServer, statRemote } from './keep.js';
import { runPool } from '../../util/pool.js';
import { createByteBudget } from '../../util/byte-budget.js';
import { putFile, putSymlink, SMALL_FILE, tempSuffixes } from './put.js';
import { describeSftpFailure, openSftp, resolveSftpPath, SFTP_STATUS, SyncError, type SftpOpError, type SftpSession } from './session.js';
import type { LocalEntry, LocalTree, RemoteEntry, StattedTree, SyncProgress } from '../types.js';

// Opens sockets: the SFTP sync engine. Plans from the two listings; new directories and small new
// files go as one tar stream over an exec (sftp/bundle.ts) when there are enough of them; the rest
// go over up to four SFTP channels of the existing connection (one file: sftp/put.ts).

export interface SftpSyncOptions {
  /** Where SFTP channels and the bundle's exec come from (no exec: no bundle). */
  host: Pick<Host, 'sftp' | 'capture'> & Partial<Pick<Host, 'exec'>>;
  /** Local project root (tree paths are relative to it). */
  root: string;
  /** Statted: SFTP compares sizes and mtimes (walk.ts statTree). */
  tree: StattedTree;
  /** remote_dir as configured (`~/…`, relative = below home, or absolute). */
  remoteDir: string;
  /** The remote listing when the caller already read it (dry run, deletions); read here otherwise. */
  remote?: ReadonlyMap<string, RemoteEntry>;
  /** With `remote`: the stale upload temp files its listing found (RemoteManifest.leftovers). */
  leftovers?: readonly string[];
  /** Upload temp files untouched this long are an interrupted upload's, and removed (default: kept). */
  leftoverAgeSeconds?: number;
  onProgress?: (progress: SyncProgress) => void;
  /** Files modified since then are sent whatever they compare like (plan/changes.ts PlanOptions). */
  changedSinceMs?: number;
  /** Remote files this would replace or remove that the server edited are kept (conflicts.ts). */
  keepServerEdits?: ConflictWindow;
  /** `remote` lists only some paths (watch mode): look up the rest before keeping server edits. */
  statTargets?: boolean;
  /** What mtr itself wrote earlier (watch mode): still as it left it, never the server's edit. */
  written?: ReadonlyMap<string, Written>;
  /** What was kept, as soon as it is (a later failure does not hide it). */
  onKept?: (report: KeptReport) => void;
  /** The exact mtimes (ms) of paths a listing in whole seconds cannot place (conflicts.ts classifyRemote). */
  exactTimes?: (paths: readonly string[]) => Promise<ReadonlyMap<string, number>>;
  /** Files in flight at once per SFTP channel; also capped by the server's open-handle limit. */
  concurrency?: number;
  /** Most SFTP channels to upload over (default 4; more are opened only for many files). */
  maxChannels?: number;
  /**
   * Send new directories and small new files as one tar stream (plan/bundle.ts). Only with a full
   * listing in `remote` (the default: unless `statTargets`), where "not listed" means new.
   */
  bundle?: boolean;
  /** A session opened ahead (while the listing was read): used first, ended here either way. */
  session?: Promise<SftpSession>;
  signal?: AbortSignal;
}

export interface SftpSyncResult {
  /** Files and symlinks written. */
  filesSent: number;
  bytesSent: number;
  plan: UploadPlan;
  /** A bundle was planned (plan/bundle.ts): its entries, and whether they went as one stream (false: over SFTP). */
  bundle?: { entries: number; streamed: boolean };
}

/** SFTP channels of one upload: each is its own server process, so file creation runs in parallel. */
const MAX_CHANNELS = 4;
const FILES_PER_CHANNEL = 256;
/**
 * Files in flight per channel (also capped by the server's open-handle limit). Each small file
 * costs three round trips (open; writes, times and close; rename), so on a slow link the number
 * in flight, not the server, sets the pace. 128 pushed the 100k-file upload's peak RSS past its
 * 150 MB goal (~185 MB, against ~115-130 MB with 64).
 */
const PER_CHANNEL = 64;
/** File bytes read ahead for the files in flight, at most (memory stays bounded on big files). */
const BYTES_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * How many SFTP channels an upload of `files` files uses: one per FILES_PER_CHANNEL, at most `max`.
 * sshd allows 10 sessions per connection by default; the run's own exec needs one.
 */
export function uploadChannels(files: number, max = MAX_CHANNELS): number {
  return Math.max(1, Math.min(Math.floor(max) || 1, Math.ceil(files / FILES_PER_CHANNEL)));
}

export async function syncViaSftp(options: SftpSyncOptions): Promise<SftpSyncResult> {
  const { host, root, tree, onProgress, signal } = options;
  // The SFTP subsystem opens only when there is something to send: a no-change run with the
  // listing already fetched never starts it.
  let opened: SftpSession | undefined;
  let extra: SftpSession[] = [];
  let opening: Promise<SftpSession[]> | undefined;
  const warm = options.session;
  warm?.catch(() => undefined);
  const firstSession = () => warm ?? openSftp(host);
  try {
    let remote = options.remote;
    let found = options.leftovers ?? [];
    if (!remote) {
      const manifest = await readRemoteManifest(host, options.remoteDir, { session: (opened ??= await firstSession()), leftoverAgeSeconds: options.leftoverAgeSeconds });
      remote = manifest.entries;
      found = manifest.leftovers;
    }
    const plan = planUpload(tree, remote, options.changedSinceMs === undefined ? {} : { changedSinceMs: options.changedSinceMs });
    const leftovers = leftoversToRemove(found, tree);
    if (plan.conflicts.length > 0) {
      const list = plan.conflicts.slice(0, 3).join(', ');
      throw new SyncError(`remote directories stand where local files go: ${list}`, 'remove or rename them on the server, then sync again');
    }
    if (isEmptyPlan(plan) && !leftovers.length && options.remote) return { filesSent: 0, bytesSent: 0, plan };
    // New directories and small new files as one stream; a server without tar gets them over SFTP.
    const split = host.exec && (options.bundle ?? !options.statTargets) ? planBundle(plan, remote) : { rest: plan };
    let sftpPlan = split.rest;
    // Regular files only, as the rsync engine counts them (symlinks are sent, not counted).
    const sendCount = sftpPlan.uploads.length + sftpPlan.symlinks.length;
    const nextSuffix = tempSuffixes();
    const progress: SyncProgress = { files: 0, bytes: 0, totalFiles: plan.uploads.length, totalBytes: plan.bytes };
    const report = () => onProgress?.({ ...progress });
    report();
    const bundle = split.bundle;
    const bundleHost = bundle && host.exec ? { exec: host.exec.bind(host) } : undefined;
    const startBundle = () => sendNewEntries(bundleHost as Pick<Host, 'exec'>, bundle as Bundle, nextSuffix(), progress, report, options);
    const mayKeep = !!options.keepServerEdits && [...plan.uploads, ...plan.symlinks].some((e) => remote.has(e.path));
    let bundling: Promise<boolean> | undefined;
    // All of it in the bundle (its directories' modes too): no SFTP session is opened, which over a
    // shared master saves mtr's own connection. A server without tar gets it all over SFTP after all.
    if (bundleHost && bundle?.modes && isEmptyPlan(sftpPlan) && !leftovers.length && !mayKeep && !opened) {
      bundling = startBundle();
      if (await bundling) return { filesSent: progress.files, bytesSent: progress.bytes, plan, bundle: { entries: bundle.dirs.length + bundle.entries.length, streamed: true } };
    }
    // The extra channels open while the first one starts and the directories are made; the first
    // is asked for first, so a server with few sessions to give refuses an extra one (or the
    // bundle's exec, which then goes over SFTP), not it.
    const first = opened ? Promise.resolve(opened) : firstSession();
    first.catch(() => undefined);
    // The bundle needs no SFTP (its script makes remote_dir): it runs while the SFTP session opens,
    // unless something must be removed first where its directories go, or a server edit may be
    // kept (its folder and the bundle's share .mtr-conflicts/, which the bundle removes if empty):
    // only what is on the server can be kept.
    if (bundleHost && !bundling && !plan.removals.length && !mayKeep) bundling = startBundle();
    bundling?.catch(() => undefined);
    opening = openExtraSessions(host, uploadChannels(sendCount, options.maxChannels) - 1);
    const session = (opened ??= await first);
    const base = resolveSftpPath(options.remoteDir, session.home);
    const width = Math.max(1, Math.min(options.concurrency ?? PER_CHANNEL, session.maxOpenHandles - 2));
    await mkdirP(session, base);
    const kept = options.keepServerEdits ? await keepServerEdits(session, base, plan, remote, options) : undefined;
    if (kept?.report) options.onKept?.(kept.report);
    const movedAway = new Set(kept?.paths);
    await runPool(plan.removals.filter((p) => !movedAway.has(p)), width, (p) => session.unlink(remotePath(base, p)), { signal });
    // Another run may have removed one first: a leftover already gone is fine.
    await runPool(leftovers, width, (p) => session.unlink(remotePath(base, p)).catch(ignoreMissing), { signal });
    if (bundleHost && !bundling) bundling = startBundle();
    let bundled: SftpSyncResult['bundle'];
    if (bundle && bundling) {
      const streamed = await bundling;
      bundled = { entries: bundle.dirs.length + bundle.entries.length, streamed };
      if (!streamed) sftpPlan = plan;
    }
    for (const level of byDepth(sftpPlan.mkdirs)) {
      await runPool(level, width, (p) => session.mkdir(remotePath(base, p)), { signal });
    }
    extra = await opening;
    // Lane i uses channel i mod n: each channel has exactly `width` files in flight.
    const channels = [session, ...extra];
    const budget = createByteBudget(BYTES_IN_FLIGHT);
    const sendOne = async (entry: LocalEntry, _index: number, abort: AbortSignal, lane: number) => {
      const channel = channels[lane % channels.length] as SftpSession;
      const target = remotePath(base, entry.path);
      if (entry.type === 'symlink') return putSymlink(channel, target, entry.linkTarget ?? '', nextSuffix());
      const cost = Math.min(entry.size, SMALL_FILE);
      await budget.take(cost);
      const sent = await putFile(channel, path.join(root, entry.path), target, nextSuffix(), entry, abort, (n) => {
        progress.bytes += n;
        report();
      }).finally(() => budget.give(cost));
      if (!sent) return;
      progress.files++;
      report();
    };
    await runPool([...sftpPlan.uploads, ...sftpPlan.symlinks], width * channels.length, sendOne, { signal });
    // Modes last: a read-only directory must not refuse the files written into it.
    await runPool(plan.modeFixes, width, (f) => session.setstat(remotePath(base, f.path), { mode: f.mode }), { signal });
    return { filesSent: progress.files, bytesSent: progress.bytes, plan, ...(bundled ? { bundle: bundled } : {}) };
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    throw describeSftpFailure(error, [opened, ...extra].some((s) => s?.closed));
  } finally {
    for (const s of extra) s.end();
    if (opening && !extra.length) void opening.then((late) => late.forEach((s) => s.end()), () => undefined);
    if (warm && !opened) void warm.then((s) => s.end(), () => undefined);
    opened?.end();
  }
}

// The bundle, counted in the progress; false when the server has no tar (nothing was done).
async function sendNewEntries(
  host: Pick<Host, 'exec'>,
  bundle: Bundle,
  suffix: string,
  progress: SyncProgress,
  report: () => void,
  options: SftpSyncOptions,
): Promise<boolean> {
  const { sendBundle } = await import('./bundle.js');
  const sent = await sendBundle(host, {
    root: options.root,
    remoteDir: options.remoteDir,
    bundle,
    suffix,
    ...(options.leftoverAgeSeconds === undefined ? {} : { leftoverAgeSeconds: options.leftoverAgeSeconds }),
    ...(options.signal ? { signal: options.signal } : {}),
    onFile: (bytes) => {
      progress.files++;
      progress.bytes += bytes;
      report();
    },
  });
  if (!sent.done) {
    // What the stream carried before the server said it has no tar was not unpacked.
    progress.files = 0;
    progress.bytes = 0;
    report();
  }
  return sent.done;
}

// Before anything is replaced: the server's own edits among the targets go to the conflicts folder.
async function keepServerEdits(session: SftpSession, base: string, plan: UploadPlan, remote: ReadonlyMap<string, RemoteEntry>, options: SftpSyncOptions) {
  const window = options.keepServerEdits as ConflictWindow;
  let known = remote;
  if (options.statTargets) {
    const unknown = [...plan.uploads, ...plan.symlinks].map((e) => e.path).filter((p) => !remote.has(p));
    if (unknown.length) known = new Map([...remote, ...(await statRemote(session, base, unknown))]);
  }
  const { keep, unsure } = planKeeps(plan, known, window, options.written);
  if (unsure.length && options.exactTimes) {
    const exact = await options.exactTimes(unsure);
    keep.push(...unsure.filter((p) => isServerEdit({ mtime: 0, mtimeMs: exact.get(p) ?? 0 }, window)));
  }
  const paths = keep.sort();
  const report = await keepOnServer(session, base, paths, window.folder);
  return { paths, report };
}

// Extra channels are a speed-up, never a requirement: one the server refuses (MaxSessions) is skipped.
async function openExtraSessions(host: Pick<Host, 'sftp'>, count: number): Promise<SftpSession[]> {
  if (count <= 0) return [];
  const settled = await Promise.allSettled(Array.from({ length: count }, () => openSftp(host)));
  return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

// A local file may carry a temp-like name; it is the project's, never a leftover.
function leftoversToRemove(found: readonly string[], tree: LocalTree): string[] {
  if (!found.length) return [];
  const local = new Set(tree.entries.map((e) => e.path));
  return found.filter((p) => !local.has(p));
}

function ignoreMissing(error: SftpOpError): void {
  if (error.code !== SFTP_STATUS.noSuchFile) throw error;
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
