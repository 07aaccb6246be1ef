import type { SyncEngine } from '../../config/types.js';
import type { RsyncVersion } from '../rsync/version.js';

export interface EngineFacts {
  configured: SyncEngine;
  localRsync?: RsyncVersion;
  usesPassword: boolean;
  hasSshpass: boolean;
}

export type EngineChoice = { engine: 'rsync' | 'sftp'; notice?: string };

// auto = rsync when this machine has it (a server without rsync is found by trying: fallback.ts),
// else SFTP with a one-line notice. GNU rsync rides mtr's own
// (already logged-in) connection, so a password needs sshpass only with openrsync, which runs its
// own ssh. An explicit `sync: rsync` never silently changes engine.
export function chooseEngine(facts: EngineFacts): EngineChoice {
  if (facts.configured === 'sftp') return { engine: 'sftp' };
  if (facts.configured === 'rsync') return { engine: 'rsync' };
  if (!facts.localRsync) return { engine: 'sftp', notice: 'rsync is not installed here; syncing with SFTP' };
  if (facts.usesPassword && !facts.hasSshpass && facts.localRsync.openrsync) {
    return { engine: 'sftp', notice: 'password login without sshpass installed; syncing with SFTP' };
  }
  return { engine: 'rsync' };
}
