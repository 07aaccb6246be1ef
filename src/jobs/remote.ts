import type { ExecClient } from '../exec/exec-client.js';
import type { Client } from 'ssh2';
import { DEFAULT_KILL_GRACE } from '../config/types.js';
import { UsageError } from '../errors.js';
import { execCapture } from '../exec/capture.js';
import {
  LAUNCH_STATUS,
  buildKillScript,
  buildLaunchScript,
  buildListScript,
  buildSignalScript,
  type StartSpec,
} from '../remote/job-script.js';
import { anchorRemotePath } from '../remote/remote-path.js';
import { inProject, parseJobList, type JobList } from './meta.js';

// Job operations that need only a helper exec (no streaming): start, list, signal, kill.

export type LaunchResult = 'started' | 'no-tmux';

// Reads the launch script's status byte: started, or no tmux; the other answers are errors.
export function interpretLaunchStatus(status: string | undefined, name: string, stderr = ''): LaunchResult {
  if (status === LAUNCH_STATUS.started) return 'started';
  if (status === LAUNCH_STATUS.noTmux) return 'no-tmux';
  if (status === LAUNCH_STATUS.nameTaken) {
    throw new UsageError(`a job named ${name} is already running`, `pick another --name, or stop it with \`mtr --kill ${name}\``);
  }
  const detail = stderr.trim().split('\n').slice(-3).join('; ');
  throw new UsageError(`could not start the job on the server${detail ? `: ${detail}` : ''}`);
}

/** Starts a job without streaming it (detach, interactive). */
export async function startJob(client: ExecClient, spec: StartSpec): Promise<LaunchResult> {
  const result = await execCapture(client, buildLaunchScript(spec));
  return interpretLaunchStatus(result.stdout.toString('utf8', 0, 1) || undefined, spec.name, result.stderr.toString('utf8'));
}

/** The jobs of one project (its remote_dir), or of every project on the account. */
export type JobScope = { project: string } | 'all-projects';

export async function listJobs(client: ExecClient, scope: JobScope): Promise<JobList> {
  const project = scope === 'all-projects' ? undefined : scope.project;
  const result = await execCapture(client, buildListScript(project));
  const list = parseJobList(result.stdout);
  if (project === undefined) return list;
  const anchored = anchorRemotePath(project);
  return { ...list, jobs: list.jobs.filter((job) => inProject(job, anchored)) };
}

export async function signalJob(client: ExecClient, name: string, signal: 'INT' | 'TERM'): Promise<void> {
  await execCapture(client, buildSignalScript(name, signal));
}

/** Stops job `name`, graceSeconds (the server's kill_grace) between SIGINT, SIGTERM and SIGKILL. */
export async function killJob(client: ExecClient, name: string, graceSeconds = DEFAULT_KILL_GRACE): Promise<boolean> {
  const result = await execCapture(client, buildKillScript(name, graceSeconds));
  return result.code === 0;
}

// An unknown name is a usage error that shows what does exist (in this project).
export async function unknownJob(client: ExecClient, name: string, server: string, scope: JobScope): Promise<UsageError> {
  const list = await listJobs(client, scope).catch(() => ({ jobs: [] }));
  const recent = list.jobs.slice(0, 8).map((job) => job.name);
  return new UsageError(
    `no job named ${name} on ${server}${recent.length ? ` (recent: ${recent.join(', ')})` : ' (no jobs there)'}`,
    'see `mtr --jobs`',
  );
}
