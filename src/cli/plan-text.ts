import type { ServerChoice } from '../config/select.js';
import type { HostPreview, SyncPreview } from '../commands/dry-run.js';
import type { HostRunPlan, RunPlan } from '../plan/types.js';
import type { SshTarget } from '../ssh/target.js';
import { formatBytes } from '../ui/progress.js';
import { plural } from '../util/words.js';

// What --dry-run prints: the plan the run would execute, as it would use it. Passwords never appear.

const CHOSEN_BY: Record<ServerChoice, string> = {
  flag: 'from -s',
  all: 'from --all',
  env: 'from MTR_SERVER',
  default: 'default',
  first: 'first server',
};

function authSummary(target: SshTarget, agent: boolean): string {
  const parts = target.identityFiles.map((file) => `key ${file}`);
  if (!parts.length) parts.push('default keys in ~/.ssh');
  if (agent) parts.push('ssh-agent');
  if (target.password !== undefined) parts.push('password ***');
  return parts.join(', then ');
}

export function formatHostPlan(plan: RunPlan, preview: HostPreview): string {
  const { run } = preview;
  const { server, target, chosenBy } = run.host;
  const via = target.jumps.length ? ` via ${target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(' → ')}` : '';
  const lines = [
    `server:      ${server.name} (${CHOSEN_BY[chosenBy]})`,
    `connect:     ${target.user}@${target.host}:${target.port}${via}`,
    `auth:        ${authSummary(target, plan.agent)}`,
    `host keys:   ${target.knownHostsFiles.join(', ')} (unknown keys: ${server.strictHostKeyChecking})`,
    `local root:  ${plan.projectRoot}`,
    `remote dir:  ${run.remoteCwd}`,
    `pre_cmd:     ${server.preCmd ?? '(none)'}`,
    `sync:        ${preview.sync ? formatSyncPreview(plan.projectRoot, run, preview.sync, preview.refusal) : 'skipped (--no-sync)'}`,
    `job:         ${run.job.name} (tmux -L mtr, ~/.mtr/jobs/${run.job.name})${run.job.mode === 'detached' ? ', detached' : ''}`,
    'remote script (bash, else /bin/sh):',
    ...run.job.script.split('\n').map((line) => `  ${line}`),
    'exact remote command:',
    `  ${run.remoteCommand}`,
  ];
  return lines.join('\n') + '\n';
}

// A deletion the guard refuses is shown as the refusal the run would stop with.
function formatSyncPreview(projectRoot: string, run: HostRunPlan, sync: SyncPreview, refusal: Error | undefined): string {
  const lines = [
    `${run.sync.engine} ${projectRoot} → ${run.host.server.remoteDir}`,
    `  ${plural(sync.files, 'file')}, ${formatBytes(sync.bytes)} considered (only new or changed files are sent); ${plural(sync.excluded, 'path')} excluded`,
    ...sync.largest.map((f) => `  largest: ${f.path} (${formatBytes(f.size)})`),
    ...(sync.notUtf8 ? [`  ${sync.notUtf8}`] : []),
    refusal
      ? `  delete: REFUSED — ${refusal.message}; the run would stop here (nothing sent, nothing run)`
      : run.sync.delete
        ? '  delete: on — remote files missing locally would be deleted (never excluded or ignored paths)'
        : '  delete: off — nothing is deleted on the server',
  ];
  return lines.join('\n');
}

/** The whole dry run: one block per host, headed `== name ==` when there are several. */
export function formatRunPreview(plan: RunPlan, hosts: readonly HostPreview[]): string {
  if (!plan.fanOut) return hosts.map((h) => formatHostPlan(plan, h)).join('');
  return hosts.map((h) => `== ${h.run.host.server.name} ==\n${formatHostPlan(plan, h)}`).join('');
}
