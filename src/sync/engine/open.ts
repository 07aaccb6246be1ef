import type { RsyncVersion } from '../rsync/version.js';
import { rsyncEngine } from './rsync.js';
import { sftpEngine } from './sftp.js';
import type { EngineLink, EngineName, SyncEngine } from './types.js';

/** The engine by name, on one link (`localRsync`: the rsync found here, if any). */
export function openEngine(name: EngineName, link: EngineLink, localRsync: RsyncVersion | undefined): SyncEngine {
  return name === 'rsync' ? rsyncEngine(link, localRsync) : sftpEngine(link);
}
