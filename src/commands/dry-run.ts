import type { UsageError } from '../errors.js';
import type { HostRunPlan, RunPlan } from '../plan/types.js';

// --dry-run: the plan as it stands, plus what only the local disk can tell (what the sync would
// consider). Asks no server, writes nothing.

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

export interface HostPreview {
  run: HostRunPlan;
  /** Absent with --no-sync. */
  sync?: SyncPreview;
  /** The delete guard's refusal (it needs no server): the run would stop with it before sending anything. */
  refusal?: UsageError;
}

export interface RunPreview {
  hosts: HostPreview[];
  /** The first refusal: the dry run ends with it (exit 2), as the run would. */
  refusal?: UsageError;
}

export async function previewRun(plan: RunPlan): Promise<RunPreview> {
  const hosts: HostPreview[] = [];
  for (const run of plan.hosts) hosts.push(await previewHost(plan.projectRoot, run));
  const refusal = hosts.find((h) => h.refusal)?.refusal;
  return { hosts, ...(refusal ? { refusal } : {}) };
}

async function previewHost(projectRoot: string, run: HostRunPlan): Promise<HostPreview> {
  if (!run.sync.enabled) return { run };
  const { precheckDeleteTarget } = await import('../sync/sftp-plan.js');
  const refusal = run.sync.delete ? precheckDeleteTarget(run.host.server.remoteDir) : undefined;
  return { run, sync: await previewSync(projectRoot, run), ...(refusal ? { refusal } : {}) };
}

async function previewSync(projectRoot: string, run: HostRunPlan): Promise<SyncPreview> {
  const { scanProject } = await import('../sync/sync-project.js');
  const { summarizeTree } = await import('../sync/file-list.js');
  const { describeNotUtf8, displayPath } = await import('../sync/names.js');
  const tree = await scanProject(run.host.server, projectRoot, { stat: true });
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
