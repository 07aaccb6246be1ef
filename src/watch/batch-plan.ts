import path from 'node:path';
import { ConnectionError, SftpUnavailableError } from '../errors.js';
import type { ChangeBatch } from './batcher.js';

// What one batch of changes asks for, and what a failed sync leads to. Pure.

const RULE_FILES = new Set(['.gitignore', '.mtrignore']);
export const CONFIG_FILE = '.mtr/config.yaml';

export function touchesRules(paths: readonly string[]): boolean {
  return paths.some((p) => RULE_FILES.has(path.posix.basename(p)));
}

/** A dropped link: the reconnect takes over (and syncs the whole project). */
export const isLinkError = (error: unknown): boolean => error instanceof ConnectionError;

/**
 * How batches are sent: only their paths over SFTP, or, once the server refused an SFTP channel,
 * the whole project through the configured engine.
 */
export type SyncMode = 'incremental' | 'full-only';

/** rules: new ignore rules (rescan, then a full sync); none: nothing left to send. */
export type BatchSync = 'none' | 'rules' | 'full' | 'changes';

export interface BatchPlan {
  /** .mtr/config.yaml changed: said, never sent (like all of .mtr/). */
  configChanged: boolean;
  /** The batch without the config file. */
  batch: ChangeBatch;
  /** Its paths: upserts, then removals. */
  paths: string[];
  sync: BatchSync;
}

export function planBatch(incoming: ChangeBatch, mode: SyncMode): BatchPlan {
  const configChanged = incoming.upserts.includes(CONFIG_FILE) || incoming.removals.some((r) => r.path === CONFIG_FILE);
  const batch: ChangeBatch = {
    ...incoming,
    upserts: incoming.upserts.filter((p) => p !== CONFIG_FILE),
    removals: incoming.removals.filter((r) => r.path !== CONFIG_FILE),
  };
  const paths = [...batch.upserts, ...batch.removals.map((r) => r.path)];
  const sync: BatchSync = !paths.length ? 'none' : touchesRules(paths) ? 'rules' : mode === 'full-only' ? 'full' : 'changes';
  return { configChanged, batch, paths, sync };
}

export interface FailedSync {
  error: unknown;
  /** The watch is stopping. */
  stopping: boolean;
  /** The link is still up. */
  connected: boolean;
}

// A failed sync is retried once as a full sync (it repairs a remote that drifted); a dropped link
// is left to the reconnect, which does a full sync anyway.
export function recoveryFor(failed: FailedSync): 'retry-full' | 'leave' {
  return failed.stopping || !failed.connected || isLinkError(failed.error) ? 'leave' : 'retry-full';
}

/** A server that refused an SFTP channel gets full syncs from then on. */
export function modeAfterFailure(mode: SyncMode, error: unknown): SyncMode {
  return error instanceof SftpUnavailableError ? 'full-only' : mode;
}
