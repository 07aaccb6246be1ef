import type { ServerConfig } from '../../config/types.js';
import type { SshTarget } from '../../ssh/target.js';
import { isPasswordOnly } from '../../ssh/openssh-args.js';
import { chooseEngine, type EngineChoice } from './choose.js';
import { findOnPath } from './local-tools.js';
import type { RsyncVersion } from '../rsync/version.js';
import type { EngineName } from './types.js';

// Which engine a transfer uses, and the one rule for changing it on the way: under `sync: auto`,
// a server that turns out to have no rsync is served over SFTP, with one notice. Pushes (syncs),
// pulls (--get) and the dry run all come here; an explicit `sync: rsync` never changes engine.

/** The engine for this server, from what is installed here (pushes and pulls alike). */
export function chooseServerEngine(server: ServerConfig, target: SshTarget, env: NodeJS.ProcessEnv, localRsync: RsyncVersion | undefined): EngineChoice {
  return chooseEngine({
    configured: server.sync,
    localRsync,
    usesPassword: server.password !== undefined && isPasswordOnly(target),
    hasSshpass: Boolean(findOnPath('sshpass', env)),
  });
}

/**
 * A pull's engine: as for pushes, except that it downloads over SFTP when no rsync is installed
 * here whatever `sync` says (a push with `sync: rsync` fails then instead).
 */
export function choosePullEngine(server: ServerConfig, target: SshTarget, env: NodeJS.ProcessEnv, localRsync: RsyncVersion | undefined): EngineChoice {
  if (server.sync === 'sftp') return { engine: 'sftp' };
  const choice = chooseServerEngine(server, target, env, localRsync);
  return localRsync ? choice : { engine: 'sftp', ...(choice.notice ? { notice: choice.notice } : {}) };
}

/** What the user is told when the server lacks rsync, by direction (the texts are part of the interface). */
export const FALLBACK_NOTICE = {
  push: 'rsync is not installed on the server; syncing with SFTP',
  pull: 'rsync is not installed on the server; downloading with SFTP',
} as const;

/** Whether a transfer under this `sync:` setting changes to SFTP when the server has no rsync. */
export function fallsBack(configured: ServerConfig['sync']): boolean {
  return configured === 'auto';
}

export interface FallbackRequest<T> {
  /** `sync:` as configured: only `auto` falls back. */
  configured: ServerConfig['sync'];
  direction: keyof typeof FALLBACK_NOTICE;
  /** The engine chosen up front (chooseServerEngine). */
  engine: EngineName;
  run: (engine: EngineName) => Promise<T>;
  /** Told once when the transfer changes engine. */
  onFallback: (notice: string) => void;
  /** The connection: when it failed, its error is what stands, not rsync's. */
  connection?: Promise<unknown>;
}

export interface FallbackResult<T> {
  engine: EngineName;
  value: T;
  /** Set when the transfer fell back. */
  notice?: string;
}

/** Runs the transfer with its engine; an rsync one that finds no rsync on the server runs again over SFTP (auto only). */
export async function runWithFallback<T>(req: FallbackRequest<T>): Promise<FallbackResult<T>> {
  if (req.engine === 'sftp') return { engine: 'sftp', value: await req.run('sftp') };
  try {
    return { engine: 'rsync', value: await req.run('rsync') };
  } catch (error) {
    const linkError = req.connection ? await req.connection.then(() => undefined, (e: unknown) => e) : undefined;
    if (linkError) throw linkError;
    const { RemoteRsyncMissing } = await import('../rsync/errors.js');
    if (!(error instanceof RemoteRsyncMissing) || !fallsBack(req.configured)) throw error;
    const notice = FALLBACK_NOTICE[req.direction];
    req.onFallback(notice);
    return { engine: 'sftp', value: await req.run('sftp'), notice };
  }
}
