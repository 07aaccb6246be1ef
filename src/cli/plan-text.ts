import type { ServerChoice } from '../config/select.js';
import type { GetPreview, HostPreview, Landing, SyncStepPreview, WatchPreview } from '../commands/dry-run.js';
import type { GetPlan, HostPlan, RunPlan, SyncPolicy, WatchPlan } from '../plan/types.js';
import { bracketHost } from '../ssh/openssh-args.js';
import type { SshTarget } from '../ssh/target.js';
import { formatBytes } from '../ui/progress.js';
import { plural } from '../util/words.js';
import { runJobName } from '../watch/restart-plan.js';

// What --dry-run prints: the plan the command would execute, as it would use it. Passwords never appear.

const CHOSEN_BY: Record<ServerChoice, string> = {
  flag: 'from -s',
  all: 'from --all',
  env: 'from MTR_SERVER',
  default: 'default',
  first: 'first server',
};

interface PlanView {
  host: HostPlan;
  agent: boolean;
  projectRoot: string;
  remoteDir: string;
  sync: string;
  job: string;
  /** Absent when nothing runs (`--watch` without a command). */
  script?: string;
  command?: string;
}

function authSummary(target: SshTarget, agent: boolean): string {
  const parts = target.identityFiles.map((file) => `key ${file}`);
  if (!parts.length) parts.push('default keys in ~/.ssh');
  if (agent) parts.push('ssh-agent');
  if (target.password !== undefined) parts.push('password ***');
  return parts.join(', then ');
}

function formatPlanView(view: PlanView): string {
  const { server, target, chosenBy } = view.host;
  const via = target.jumps.length ? ` via ${target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(' → ')}` : '';
  const lines = [
    `server:      ${server.name} (${CHOSEN_BY[chosenBy]})`,
    `connect:     ${target.user}@${target.host}:${target.port}${via}`,
    `auth:        ${authSummary(target, view.agent)}`,
    `host keys:   ${target.knownHostsFiles.join(', ')} (unknown keys: ${server.strictHostKeyChecking})`,
    `local root:  ${view.projectRoot}`,
    `remote dir:  ${view.remoteDir}`,
    `pre_cmd:     ${server.preCmd ?? '(none)'}`,
    `sync:        ${view.sync}`,
    `job:         ${view.job}`,
    ...(view.script === undefined ? [] : ['remote script (bash, else /bin/sh):', ...view.script.split('\n').map((line) => `  ${line}`)]),
    ...(view.command === undefined ? [] : ['exact remote command:', `  ${view.command}`]),
  ];
  return lines.join('\n') + '\n';
}

// A deletion the guard refuses is shown as the refusal the run would stop with.
function formatSyncStep(projectRoot: string, host: HostPlan, policy: SyncPolicy, step: SyncStepPreview): string {
  const { sync, refusal } = step;
  if (!sync) return 'skipped (--no-sync)';
  const lines = [
    `${policy.engine} ${projectRoot} → ${host.server.remoteDir}`,
    `  ${plural(sync.files, 'file')}, ${formatBytes(sync.bytes)} considered (only new or changed files are sent); ${plural(sync.excluded, 'path')} excluded`,
    ...sync.largest.map((f) => `  largest: ${f.path} (${formatBytes(f.size)})`),
    ...(sync.notUtf8 ? [`  ${sync.notUtf8}`] : []),
    refusal
      ? `  delete: REFUSED — ${refusal.message}; the run would stop here (nothing sent, nothing run)`
      : policy.delete
        ? '  delete: on — remote files missing locally would be deleted (never excluded or ignored paths)'
        : '  delete: off — nothing is deleted on the server',
  ];
  return lines.join('\n');
}

export function formatHostPlan(plan: RunPlan, preview: HostPreview): string {
  const { run } = preview;
  return formatPlanView({
    host: run.host,
    agent: plan.agent,
    projectRoot: plan.projectRoot,
    remoteDir: run.remoteCwd,
    sync: formatSyncStep(plan.projectRoot, run.host, run.sync, preview),
    job: `${run.job.name} (tmux -L mtr, ~/.mtr/jobs/${run.job.name})${run.job.mode === 'detached' ? ', detached' : ''}`,
    script: run.job.script,
    command: run.remoteCommand,
  });
}

/** The whole dry run: one block per host, headed `== name ==` when there are several. */
export function formatRunPreview(plan: RunPlan, hosts: readonly HostPreview[]): string {
  if (!plan.fanOut) return hosts.map((h) => formatHostPlan(plan, h)).join('');
  return hosts.map((h) => `== ${h.run.host.server.name} ==\n${formatHostPlan(plan, h)}`).join('');
}

// --watch --dry-run: the first sync's plan, how changes follow, and the command each change restarts.
export function formatWatchPreview(plan: WatchPlan, preview: WatchPreview): string {
  const { job } = plan;
  return formatPlanView({
    host: plan.host,
    agent: plan.agent,
    projectRoot: plan.projectRoot,
    remoteDir: plan.remoteCwd,
    sync: `${formatSyncStep(plan.projectRoot, plan.host, plan.sync, preview)}\n  then every local change, as it happens, over one kept-open connection (until Ctrl+C)`,
    job: job
      ? `${runJobName(job.name, 1)}, then ${runJobName(job.name, 2)}, … (tmux -L mtr): started after the first sync; on every change stopped (SIGINT, then SIGTERM) and started again`
      : '(none: --watch without a command only syncs)',
    ...(job && plan.remoteCommand !== undefined ? { script: job.script, command: plan.remoteCommand } : {}),
  });
}

function formatLanding(preview: GetPreview): string {
  const show = (landing: Landing) => ('path' in landing ? landing.path : `refused: ${landing.refused}`);
  const [file, dir] = [show(preview.landing.file), show(preview.landing.dir)];
  return file === dir ? file : `${file} if ${preview.name} is a file; ${dir} if it is a folder`;
}

function formatGetEngine(engine: GetPreview['engine']): string {
  if (engine.kind === 'sftp') return `sftp (${engine.why})`;
  return engine.fallback ? 'rsync, only what changed (SFTP if the server has no rsync)' : 'rsync, only what changed (sync: rsync)';
}

// --get --dry-run: what would come from where, by which engine, after which sync.
export function formatGetPreview(plan: GetPlan, preview: GetPreview): string {
  const { server, target, chosenBy } = plan.host;
  return (
    [
      `server:      ${server.name} (${CHOSEN_BY[chosenBy]})`,
      `connect:     ${target.user}@${bracketHost(target.host)}:${target.port}${target.jumps.map((j) => ` via ${j.user}@${j.host}:${j.port}`).join('')}`,
      `sync first:  ${formatSyncStep(plan.projectRoot, plan.host, plan.sync, preview)}`,
      `remote path: ${plan.source}`,
      `local:       ${formatLanding(preview)}`,
      `engine:      ${formatGetEngine(preview.engine)}`,
    ].join('\n') + '\n'
  );
}
