import type { Client } from 'ssh2';
import { UsageError } from '../errors.js';
import { execCapture } from '../exec/capture.js';
import {
  START_EXIT,
  buildKillScript,
  buildListScript,
  buildSignalScript,
  buildStartScript,
  type StartSpec,
} from '../remote/job-script.js';
import { parseJobList, type JobInfo } from './meta.js';

// Job operations that need only a helper exec (no streaming): start, list, signal, kill.

export async function startJob(client: Client, spec: StartSpec): Promise<'started' | 'no-tmux'> {
  const result = await execCapture(client, buildStartScript(spec));
  if (result.code === 0) return 'started';
  if (result.code === START_EXIT.noTmux) return 'no-tmux';
  if (result.code === START_EXIT.nameTaken) {
    throw new UsageError(`a job named ${spec.name} is already running`, `pick another --name, or stop it with \`mtr --kill ${spec.name}\``);
  }
  const detail = result.stderr.toString('utf8').trim().split('\n').slice(-3).join('; ');
  throw new UsageError(`could not start the job on the server (exit ${result.code})${detail ? `: ${detail}` : ''}`);
}

export async function listJobs(client: Client): Promise<JobInfo[]> {
  const result = await execCapture(client, buildListScript());
  return parseJobList(result.stdout);
}

export async function signalJob(client: Client, name: string, signal: 'INT' | 'TERM'): Promise<void> {
  await execCapture(client, buildSignalScript(name, signal));
}

export async function killJob(client: Client, name: string): Promise<boolean> {
  const result = await execCapture(client, buildKillScript(name));
  return result.code === 0;
}

// An unknown name is a usage error that shows what does exist.
export async function unknownJob(client: Client, name: string, server: string): Promise<UsageError> {
  const jobs = await listJobs(client).catch(() => []);
  const recent = jobs.slice(0, 8).map((job) => job.name);
  return new UsageError(
    `no job named ${name} on ${server}${recent.length ? ` (recent: ${recent.join(', ')})` : ' (no jobs there)'}`,
    'see `mtr --jobs`',
  );
}
