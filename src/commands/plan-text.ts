import type { ServerConfig } from '../config/types.js';
import type { SshTarget } from '../ssh/target.js';
import { formatBytes } from '../ui/progress.js';
import type { Session } from './session.js';
import { plural } from '../util/words.js';

export interface PlanView {
  server: ServerConfig;
  chosenBy: string;
  target: SshTarget;
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

// What --dry-run prints. Passwords never appear; everything else is shown as it would be used.
export function formatPlan(view: PlanView, agent: boolean): string {
  const { server, target } = view;
  const via = target.jumps.length ? ` via ${target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(' → ')}` : '';
  const lines = [
    `server:      ${server.name} (${view.chosenBy})`,
    `connect:     ${target.user}@${target.host}:${target.port}${via}`,
    `auth:        ${authSummary(target, agent)}`,
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

// The sync part of --dry-run: what the local scan would consider, without touching the server. A
// deletion the guard refuses is shown as the refusal the run would stop with.
export async function describeSyncPlan(session: Session, deleteRemote: boolean, refusal?: Error): Promise<string> {
  const { scanProject } = await import('../sync/sync-project.js');
  const { summarizeTree } = await import('../sync/file-list.js');
  const { describeNotUtf8, displayPath } = await import('../sync/names.js');
  const tree = await scanProject(session.server, session.config.projectRoot, { stat: true });
  const summary = summarizeTree(tree);
  const notUtf8 = describeNotUtf8(tree.entries);
  const lines = [
    `${session.server.sync} ${session.config.projectRoot} → ${session.server.remoteDir}`,
    `  ${plural(summary.files, 'file')}, ${formatBytes(summary.bytes)} considered (only new or changed files are sent); ${plural(tree.excludedCount, 'path')} excluded`,
    ...summary.largest.map((f) => `  largest: ${displayPath(f)} (${formatBytes(f.size)})`),
    ...(notUtf8 ? [`  ${notUtf8}`] : []),
    refusal
      ? `  delete: REFUSED — ${refusal.message}; the run would stop here (nothing sent, nothing run)`
      : deleteRemote
        ? '  delete: on — remote files missing locally would be deleted (never excluded or ignored paths)'
        : '  delete: off — nothing is deleted on the server',
  ];
  return lines.join('\n');
}
