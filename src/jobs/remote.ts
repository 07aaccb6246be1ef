import type { ExecClient } from '../exec/exec-client.js';
import type { Client } from 'ssh2';
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
import { parseJobList, type JobInfo } from './meta.js';

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

export async function listJobs(client: ExecClient): Promise<JobInfo[]> {
  const result = await execCapture(client, buildListScript());
  return parseJobList(result.stdout);
}

export async function signalJob(client: ExecClient, name: string, signal: 'INT' | 'TERM'): Promise<void> {
  await execCapture(client, buildSignalScript(name, signal));
}

export async function killJob(client: ExecClient, name: string): Promise<boolean> {
  const result = await execCapture(client, buildKillScript(name));
  return result.code === 0;
}

// An unknown name is a usage error that shows what does exist.
export async function unknownJob(client: ExecClient, name: string, server: string): Promise<UsageError> {
  const jobs = await listJobs(client).catch(() => []);
  const recent = jobs.slice(0, 8).map((job) => job.name);
  return new UsageError(
    `no job named ${name} on ${server}${recent.length ? ` (recent: ${recent.join(', ')})` : ' (no jobs there)'}`,
    'see `mtr --jobs`',
  );
}
