import { ConnectionError, EXIT, MtrError, UsageError } from '../errors.js';
import type { HostCapture } from '../host/types.js';
import { DEFAULT_KILL_GRACE } from '../config/types.js';
import { buildKillScript, buildListScript, buildSignalScript } from '../remote/job-ops-script.js';
import { LAUNCH_STATUS, buildLaunchScript, type StartSpec } from '../remote/job-script.js';
import { anchorRemotePath } from '../remote/remote-path.js';
import { buildSlurmIdScript, parseSlurmIdAnswer } from '../remote/slurm-script.js';
import { parseKillOutcome, stuckJobError, type KillOutcome } from './kill-outcome.js';
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
export async function startJob(host: HostCapture, spec: StartSpec): Promise<LaunchResult> {
  const result = await host.capture(buildLaunchScript(spec));
  if (result.code === null) {
    throw new ConnectionError(`the connection dropped while starting job ${spec.name}`, `see whether it started with \`mtr --jobs\``);
  }
  return interpretLaunchStatus(result.stdout.toString('utf8', 0, 1) || undefined, spec.name, result.stderr.toString('utf8'));
}

/** The jobs of one project (its remote_dir), or of every project on the account. */
export type JobScope = { project: string } | 'all-projects';

export async function listJobs(host: HostCapture, scope: JobScope): Promise<JobList> {
  const project = scope === 'all-projects' ? undefined : scope.project;
  const result = await host.capture(buildListScript(project));
  if (result.code === null) throw new ConnectionError('the connection dropped while listing the jobs', 'run it again once the server is reachable');
  const list = parseJobList(result.stdout);
  if (project === undefined) return list;
  const anchored = anchorRemotePath(project);
  return { ...list, jobs: list.jobs.filter((job) => inProject(job, anchored)) };
}

export async function signalJob(host: HostCapture, name: string, signal: 'INT' | 'TERM'): Promise<void> {
  await host.capture(buildSignalScript(name, signal));
}

/** Stops the job (graceSeconds, the server's kill_grace, between SIGINT, SIGTERM and SIGKILL) and says how it ended; one that outlived SIGKILL, or a dropped link, is an error. */
export async function killJob(host: HostCapture, name: string, graceSeconds = DEFAULT_KILL_GRACE): Promise<Exclude<KillOutcome, { kind: 'alive' }>> {
  const result = await host.capture(buildKillScript(name, graceSeconds));
  if (result.code === null) throw new ConnectionError(`the connection dropped while stopping job ${name}`, `see whether it stopped with \`mtr --jobs\``);
  const outcome = parseKillOutcome(result.stdout.toString('utf8'));
  if (outcome?.kind === 'alive') throw stuckJobError(name, outcome.group);
  if (outcome && result.code === 0) return outcome;
  const said = result.stderr.toString('utf8').trim().split('\n').slice(-3).join('; ');
  throw new MtrError(`could not stop job ${name} (exit ${result.code})${said ? `: ${said}` : ''}`, {
    exitCode: EXIT.failed,
    hint: `see its state with \`mtr --jobs\``,
  });
}

// An unknown name is a usage error that shows what does exist (in this project).
export async function unknownJob(host: HostCapture, name: string, server: string, scope: JobScope): Promise<UsageError> {
  const list = await listJobs(host, scope).catch(() => ({ jobs: [] }));
  const recent = list.jobs.slice(0, 8).map((job) => job.name);
  return new UsageError(
    `no job named ${name} on ${server}${recent.length ? ` (recent: ${recent.join(', ')})` : ' (no jobs there)'}`,
    'see `mtr --jobs`',
  );
}

/**
 * A `-d` job on a Slurm cluster: its Slurm job id once sbatch answered (undefined if it has not
 * within the wait). A job that ended before Slurm took it is the run's failure, with its stderr.
 */
export async function awaitSlurmJobId(host: HostCapture, name: string): Promise<number | undefined> {
  const result = await host.capture(buildSlurmIdScript(name));
  if (result.code === null) throw new ConnectionError(`the connection dropped while job ${name} was being submitted`, `see whether Slurm took it with \`mtr --jobs\``);
  const answer = parseSlurmIdAnswer(result.stdout.toString('utf8'));
  if (answer.kind === 'id') return answer.jobId;
  if (answer.kind === 'none') return undefined;
  const said = answer.stderr.split('\n').filter(Boolean).join('; ');
  throw new MtrError(`job ${name} ended before Slurm took it (exit ${answer.code})${said ? `: ${said}` : ''}`, {
    exitCode: answer.code > 0 && answer.code < 256 ? answer.code : EXIT.failed,
    hint: `see \`mtr --logs ${name}\`; \`mtr --doctor\` checks the cluster's commands and partition`,
  });
}
