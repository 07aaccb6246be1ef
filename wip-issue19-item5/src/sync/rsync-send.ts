// The upload with rsync, made to send every changed file. rsync skips a file whose size and mtime
// match the remote copy, to the second by default: an edit within that second would never go.
// Where the server can (rsync-ns.ts), rsync compares to the nanosecond instead; elsewhere the files
// changed since the last complete sync began (sync-record.ts) that the first pass skipped go again
// in a second pass, by checksum — only when there are any, found while the first pass runs.
import { isUtf8 } from 'node:buffer';
import type { ExecClient } from '../exec/exec-client.js';
import type { Logger } from '../log.js';
import type { SshTarget } from '../ssh/target.js';
import { pathBytes, toRsyncExcludeList, toRsyncFileList } from './file-list.js';
import type { RsyncProgressUpdate, RsyncSummary } from './rsync-progress.js';
import { rsyncCapabilities, type RsyncVersion } from './rsync-version.js';
import type { LocalTree } from './types.js';
import { filesChangedSince } from './walk.js';

export interface RsyncSendRequest {
  root: string;
  tree: LocalTree;
  remoteDir: string;
  target: SshTarget;
  homedir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  version?: RsyncVersion;
  /** mtr's own connection for the relay (rsync.ts `tunnel`). */
  tunnel?: ExecClient;
  /** Runs the one-off nanosecond probe (rsync-ns.ts). */
  exec: ExecClient;
  /** From this target's sync record. */
  changedSinceMs?: number;
  rsyncNs?: boolean;
  onProgress?: (progress: RsyncProgressUpdate) => void;
}

export interface RsyncSendResult extends RsyncSummary {
  /** What this sync learnt about the server's nanoseconds, for the sync record. */
  rsyncNs?: boolean;
}

/**
 * Nanoseconds are worth asking for when this rsync can, the server has not been found unable, and
 * the local file system has them at all (the scan's clock probe has a fraction).
 */
export function wantsNanoseconds(version: RsyncVersion | undefined, rsyncNs: boolean | undefined, clockMs: number | undefined): boolean {
  if (!version || !rsyncCapabilities(version).nanosecondWindow || rsyncNs === false) return false;
  return clockMs === undefined || clockMs % 1000 !== 0;
}

export async function sendWithRsync(req: RsyncSendRequest): Promise<RsyncSendResult> {
  const { runRsync } = await import('./rsync.js');
  const common = {
    root: req.root,
    remoteDir: req.remoteDir,
    target: req.target,
    homedir: req.homedir,
    env: req.env,
    log: req.log,
    ...(req.version ? { version: req.version } : {}),
    ...(req.tunnel ? { tunnel: req.tunnel } : {}),
  };
  const excludeList = toRsyncExcludeList(req.tree);
  if (wantsNanoseconds(req.version, req.rsyncNs, req.tree.startedMs)) {
    // The first rsync sync to a target asks the server about one file it sent.
    let probe: string | undefined;
    try {
      const sent = await runRsync({
        ...common,
        excludeList,
        nanosecondWindow: true,
        ...(req.rsyncNs === undefined ? { onSentFile: (name: string) => void (probe ??= utf8Name(name)) } : {}),
        ...(req.onProgress ? { onProgress: req.onProgress } : {}),
      });
      if (req.rsyncNs !== undefined || probe === undefined) return { ...sent, ...(req.rsyncNs === undefined ? {} : { rsyncNs: req.rsyncNs }) };
      const { probeRemoteNs } = await import('./rsync-ns.js');
      // Cannot tell (no GNU find there): trusted, as rsync itself would be.
      const rsyncNs = (await probeRemoteNs(req.exec, req.root, req.remoteDir, probe)) ?? true;
      req.log.debug(`sync: the server ${rsyncNs ? 'keeps' : 'drops'} nanosecond mtimes (${probe})`);
      return { ...sent, rsyncNs };
    } catch (error) {
      const { RemoteRsyncNoNanoseconds } = await import('./rsync-errors.js');
      if (!(error instanceof RemoteRsyncNoNanoseconds)) throw error;
      req.log.debug('sync: the remote rsync is older than 3.1.3; comparing whole seconds, with a second look');
      return { ...(await sendWithSecondLook(req, runRsync, common, excludeList)), rsyncNs: false };
    }
  }
  return { ...(await sendWithSecondLook(req, runRsync, common, excludeList)), ...(req.rsyncNs === undefined ? {} : { rsyncNs: req.rsyncNs }) };
}

type RunRsync = (typeof import('./rsync.js'))['runRsync'];
type Common = Omit<Parameters<RunRsync>[0], 'excludeList'>;

// Whole seconds: after the usual pass, the files changed since the last sync began which it did not
// send are compared by checksum (sent only if they differ).
async function sendWithSecondLook(req: RsyncSendRequest, runRsync: RunRsync, common: Common, excludeList: Buffer): Promise<RsyncSummary> {
  const since = req.changedSinceMs;
  const sentNames = since === undefined ? undefined : new Set<string>();
  const changed = since === undefined ? undefined : filesChangedSince(req.tree, since);
  changed?.catch(() => undefined);
  const main = await runRsync({
    ...common,
    excludeList,
    ...(sentNames ? { onSentFile: (name: string) => sentNames.add(name) } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
  });
  if (!changed || !sentNames) return main;
  const doubtful = (await changed).filter((e) => !sentNames.has(pathBytes(e).toString('latin1')));
  if (doubtful.length === 0) return main;
  req.log.debug(`sync: ${doubtful.length} files changed since the last sync began kept size and mtime second: comparing them by checksum`);
  const again = await runRsync({ ...common, excludeList: toRsyncFileList({ entries: doubtful }), recheck: true });
  return { filesSent: main.filesSent + again.filesSent, bytesSent: main.bytesSent + again.bytesSent };
}

// rsync's names are bytes held one per char; the probe needs one that is valid UTF-8.
function utf8Name(latin1: string): string | undefined {
  const bytes = Buffer.from(latin1, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}
