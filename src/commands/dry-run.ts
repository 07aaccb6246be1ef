import path from 'node:path';
import type { Context } from '../context.js';
import type { UsageError } from '../errors.js';
import type { GetPlan, HostPlan, HostRunPlan, RunPlan, SyncPolicy, WatchPlan } from '../plan/types.js';

// --dry-run: the plan as it stands, plus what only this machine can tell (what the sync would
// consider, where a download would land, which engine is installed). Asks no server, writes nothing.

/** The sync part of a dry run: the local scan the engines would start from. */
export interface SyncPreview {
  files: number;
  bytes: number;
  excluded: number;
  /** The largest files, their names as shown (non-UTF-8 bytes escaped). */
  largest: { path: string; size: number }[];
  /** Names no engine but rsync can send. */
  notUtf8?: string;
}

/** The sync before it all: absent with --no-sync; a refusal of the delete guard needs no server. */
export interface SyncStepPreview {
  sync?: SyncPreview;
  /** The run would stop with it before sending anything (exit 2). */
  refusal?: UsageError;
}

export interface HostPreview extends SyncStepPreview {
  run: HostRunPlan;
}

export interface RunPreview {
  hosts: HostPreview[];
  /** The first refusal: the dry run ends with it (exit 2), as the run would. */
  refusal?: UsageError;
}

export async function previewRun(plan: RunPlan): Promise<RunPreview> {
  const hosts: HostPreview[] = [];
  for (const run of plan.hosts) hosts.push({ run, ...(await previewSyncStep(plan.projectRoot, run.host, run.sync)) });
  const refusal = hosts.find((h) => h.refusal)?.refusal;
  return { hosts, ...(refusal ? { refusal } : {}) };
}

export type WatchPreview = SyncStepPreview;

export function previewWatch(plan: WatchPlan): Promise<WatchPreview> {
  return previewSyncStep(plan.projectRoot, plan.host, plan.sync);
}

/** Where a download lands by the download-target rule, or why it would be refused. */
export type Landing = { path: string } | { refused: string };

export interface GetPreview extends SyncStepPreview {
  /** The remote path's own name. */
  name: string;
  /** The remote path may turn out to be a file or a folder: both landings. */
  landing: { file: Landing; dir: Landing };
  /** The engine the download would use, from what is installed here. */
  engine: { kind: 'rsync'; fallback: boolean } | { kind: 'sftp'; why: string };
}

export async function previewGet(ctx: Context, plan: GetPlan): Promise<GetPreview> {
  const { localKind, planLocalTarget } = await import('../sync/plan/download-target.js');
  const name = path.posix.basename(plan.source.replace(/\/+$/, '') || '/');
  const land = (remoteKind: 'file' | 'dir'): Landing => {
    try {
      return { path: planLocalTarget({ dest: plan.dest, name, remoteKind, kindOf: localKind }) };
    } catch (error) {
      return { refused: (error as Error).message };
    }
  };
  return {
    ...(await previewSyncStep(plan.projectRoot, plan.host, plan.sync)),
    name,
    landing: { file: land('file'), dir: land('dir') },
    engine: await previewGetEngine(ctx, plan),
  };
}

async function previewGetEngine(ctx: Context, plan: GetPlan): Promise<GetPreview['engine']> {
  const { server, target } = plan.host;
  if (plan.sync.engine === 'sftp') return { kind: 'sftp', why: 'sync: sftp' };
  const { choosePullEngine, fallsBack } = await import('../sync/engine/fallback.js');
  const { detectLocalRsync } = await import('../sync/rsync/version.js');
  const version = await detectLocalRsync({ env: ctx.env });
  const choice = choosePullEngine(server, target, ctx.env, version);
  if (choice.engine === 'sftp') return { kind: 'sftp', why: choice.notice ?? 'rsync is not installed here' };
  return { kind: 'rsync', fallback: fallsBack(plan.sync.engine) };
}

async function previewSyncStep(projectRoot: string, host: HostPlan, policy: SyncPolicy): Promise<SyncStepPreview> {
  if (!policy.enabled) return {};
  const { precheckDeleteTarget } = await import('../sync/plan/delete-guard.js');
  const refusal = policy.delete ? precheckDeleteTarget(host.server.remoteDir) : undefined;
  return { sync: await previewSync(projectRoot, host), ...(refusal ? { refusal } : {}) };
}

async function previewSync(projectRoot: string, host: HostPlan): Promise<SyncPreview> {
  const { scanProject } = await import('../sync/sync-project.js');
  const { summarizeTree } = await import('../sync/scan/file-list.js');
  const { describeNotUtf8, displayPath } = await import('../sync/scan/names.js');
  const tree = await scanProject(host.server, projectRoot, { stat: true });
  const summary = summarizeTree(tree);
  const notUtf8 = describeNotUtf8(tree.entries);
  return {
    files: summary.files,
    bytes: summary.bytes,
    excluded: tree.excludedCount,
    largest: summary.largest.map((f) => ({ path: displayPath(f), size: f.size })),
    ...(notUtf8 ? { notUtf8 } : {}),
  };
}
