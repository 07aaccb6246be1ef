import { bracketHost } from '../../ssh/openssh-args.js';
import type { KeptReport } from '../plan/conflicts.js';
import { describeUnsendable } from '../scan/names.js';
import { statTree } from '../scan/walk.js';
import { abandonAfter, progressText, type EngineLink, type SyncEngine } from './types.js';

// The SFTP engine: a push compares the statted tree with the remote listing and sends what differs
// over the connection's own SFTP channels (sftp/upload.ts); a pull downloads with sftp/download.ts.
export function sftpEngine(link: EngineLink): SyncEngine {
  const { server } = link;
  return {
    name: 'sftp',
    async push(job) {
      const { syncViaSftp } = await import('../sftp/upload.js');
      const listing = job.listing ? await job.listing : undefined;
      const changedSinceMs = job.record?.startedMs;
      const session = job.takeSession?.();
      const sent = await syncViaSftp({
        host: await link.connection,
        root: link.projectRoot,
        // SFTP compares sizes and mtimes: a tree scanned for rsync gets them now.
        tree: await statTree(job.tree),
        remoteDir: server.remoteDir,
        leftoverAgeSeconds: abandonAfter(server),
        ...(changedSinceMs === undefined ? {} : { changedSinceMs }),
        ...(job.window ? { keepServerEdits: job.window, onKept: (report: KeptReport) => job.onKept(report) } : {}),
        ...(link.signal ? { signal: link.signal } : {}),
        ...(listing ? { remote: listing.entries, leftovers: listing.leftovers } : {}),
        ...(session ? { session } : {}),
        onProgress: (p) => link.onProgress?.(progressText('sftp', p)),
      });
      if (sent.bundle) {
        const { entries, streamed } = sent.bundle;
        link.logger.debug(streamed ? `sync: ${entries} new entries as one tar stream` : `sync: ${entries} new entries over SFTP (the server has no tar, or refused the channel)`);
      }
      const unsent = describeUnsendable(sent.plan.unsendable);
      if (unsent) link.notify({ kind: 'unsendable', text: unsent });
      return { filesSent: sent.filesSent, bytesSent: sent.bytesSent };
    },
    async pull(job) {
      const { downloadViaSftp } = await import('../sftp/download.js');
      const { target } = link;
      const who = `server ${server.name} (${target.user}@${bracketHost(target.host)}:${target.port})`;
      return downloadViaSftp({
        host: await link.connection,
        remotePath: job.remotePath,
        dest: job.dest,
        who,
        ...(job.signal ? { signal: job.signal } : {}),
        ...(job.onProgress ? { onProgress: job.onProgress } : {}),
      });
    },
  };
}
