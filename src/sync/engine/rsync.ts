import { randomBytes } from 'node:crypto';
import { ConnectionError, UsageError } from '../../errors.js';
import type { Host } from '../../host/types.js';
import { planKeepalive } from '../../ssh/keepalive.js';
import type { ConflictWindow, KeptReport } from '../plan/conflicts.js';
import type { RsyncSummary } from '../rsync/progress.js';
import type { RsyncVersion } from '../rsync/version.js';
import type { ScannedEntry } from '../types.js';
import { statTree } from '../scan/walk.js';
import { abandonAfter, progressText, type EngineLink, type PushJob, type Pushed, type SyncEngine } from './types.js';

// The rsync engine: rsync rides the run's own ssh2 connection (one handshake for the whole run)
// unless commands go through a shared master, where its ssh costs no handshake either.
// `localRsync` undefined: none found here (runRsync then says so).
export function rsyncEngine(link: EngineLink, localRsync: RsyncVersion | undefined): SyncEngine {
  return {
    name: 'rsync',
    push: (job) => pushWithRsync(link, localRsync, job),
    async pull(job) {
      const { downloadViaRsync } = await import('../rsync/download.js');
      return downloadViaRsync({
        host: await link.connection,
        target: link.target,
        remotePath: job.remotePath,
        dest: job.dest,
        ...(localRsync ? { version: localRsync } : {}),
        homedir: link.ctx.homedir,
        env: link.ctx.env,
        log: link.logger,
        ...(job.onProgress ? { onProgress: job.onProgress } : {}),
      });
    },
  };
}

async function pushWithRsync(link: EngineLink, localRsync: RsyncVersion | undefined, job: PushJob): Promise<Pushed> {
  const { server, target } = link;
  const { tree, record, window, onKept } = job;
  const connection = await link.connection;
  const { runRsync } = await import('../rsync/run.js');
  const { sendWithRsync, wantsNanoseconds } = await import('../rsync/send.js');
  // Asked once per target, before the first rsync sync there that could use it: may rsync compare
  // nanoseconds? (Before, not beside: a sync comparing whole seconds leaves folder times a
  // fraction off, which the first nanosecond sync would then set again.)
  const asked = record?.rsyncNs === undefined && wantsNanoseconds(localRsync, true, tree.startedMs) ? await askAboutNanoseconds(link, connection) : undefined;
  const rsyncNs = record?.rsyncNs ?? asked;
  const sending = sendWithRsync({
    tree,
    ...(record ? { changedSinceMs: record.startedMs } : {}),
    // Files watch mode sent have whole-second mtimes: compared to the nanosecond they would all differ.
    nanoseconds: wantsNanoseconds(localRsync, rsyncNs, tree.startedMs) && !record?.watchWrote,
    log: link.logger,
    run: (pass) =>
      runRsync({
        ...pass,
        root: link.projectRoot,
        remoteDir: server.remoteDir,
        target,
        homedir: link.ctx.homedir,
        env: link.ctx.env,
        log: link.logger,
        ...(localRsync ? { version: localRsync } : {}),
        ...(connection.shared ? {} : { tunnel: connection }),
        ...(link.signal ? { signal: link.signal } : {}),
        ioTimeoutSeconds: abandonAfter(server),
        remoteGuard: { checkSeconds: planKeepalive(server.deadLinkTimeout).intervalSeconds, idleSeconds: abandonAfter(server) },
        // Each pass its own backup folder, sorted out on the server right after it.
        ...(window ? { keepServerEdits: { incoming: `.incoming-${randomBytes(6).toString('hex')}`, window }, onKept } : {}),
      }),
    // openrsync takes no file list: the doubtful files go over SFTP instead.
    ...(localRsync?.openrsync ? { sendDoubtful: (entries: ScannedEntry[]) => sendOverSftp(link, tree.root, entries, window, onKept) } : {}),
    onProgress: (p) => link.onProgress?.(progressText('rsync', p)),
  }).then((sent): Pushed => ({ filesSent: sent.filesSent, bytesSent: sent.bytesSent, ...(sent.nanosecondsRefused ? { rsyncNs: false } : asked === undefined ? {} : { rsyncNs: asked }) }));
  const control = connection.shared ? target.control : undefined;
  if (!control) return sending;
  // rsync's ssh through a master that died (its link gone) says nothing useful: name what happened.
  return sending.catch(async (error: unknown) => {
    const { isMasterAlive } = await import('../../ssh/mux-client.js');
    if (error instanceof UsageError || (await isMasterAlive(control.path))) throw error;
    const where = `${target.user}@${target.host}:${target.port}`;
    throw new ConnectionError(`the shared connection to ${where} dropped during the transfer (rsync)`, 'run again: rsync renames only complete files into place', error);
  });
}

async function askAboutNanoseconds(link: EngineLink, connection: Host): Promise<boolean | undefined> {
  const { probeRemoteNs } = await import('../rsync/ns.js');
  const able = await probeRemoteNs(connection, link.server.remoteDir);
  link.logger.debug(`sync: nanosecond mtimes on this target: ${able === undefined ? 'could not ask' : able ? 'yes' : 'no'}`);
  return able;
}

// Sent whatever the remote copies look like (an empty remote listing): their folders exist already.
async function sendOverSftp(link: EngineLink, root: string, entries: ScannedEntry[], window: ConflictWindow | undefined, onKept: (report: KeptReport) => void): Promise<RsyncSummary> {
  const { syncViaSftp } = await import('../sftp/upload.js');
  const tree = await statTree({ kind: 'scanned', root, entries: [...entries], excludedCount: 0 });
  const sent = await syncViaSftp({
    host: await link.connection,
    root,
    tree,
    remoteDir: link.server.remoteDir,
    remote: new Map(),
    // No listing: every file would look new (they are on the server already).
    bundle: false,
    ...(window ? { keepServerEdits: window, statTargets: true, onKept } : {}),
    ...(link.signal ? { signal: link.signal } : {}),
  });
  return sent;
}
