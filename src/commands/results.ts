import type { Check } from '../doctor/checks.js';
import type { KillOutcome } from '../jobs/kill-outcome.js';
import type { JobList } from '../jobs/meta.js';
import type { DownloadResult } from '../sync/sftp/download.js';
import type { SyncStats } from '../sync/types.js';
import type { Bounded } from '../util/head-tail.js';

// What each command returns: an exit code and the facts mtr reports. The CLI prints them
// (src/cli/print.ts); a program calling the commands reads them as values. A job's own output is
// not here: it streams to the context's stdout and stderr while the job runs.

/** One host's part in a run or a job command over several servers. */
export interface HostResult {
  name: string;
  code: number;
  ms: number;
  /** One-line reason when the host never ran the command (connect/sync/start failure). */
  failure?: string;
  /** What --json reports of the host's run (absent when it never ran the command). */
  run?: HostRunFacts;
}

/** How a host's run ended, as --json names it. */
export type RunState = 'running' | 'ended' | 'timeout' | 'stopped';

/** The facts of one host's run that its --json record is made of. */
export interface HostRunFacts {
  job: string;
  state: RunState;
  /** The sync's figures; null with --no-sync (or when the sync was stopped). */
  sync: SyncStats | null;
  /** --json: the job's output, kept instead of streamed. */
  output?: { stdout: Bounded; stderr: Bounded };
  /** A Slurm cluster ended the job itself (TIMEOUT, OUT_OF_MEMORY, …): its --json `state` names it. */
  slurmState?: string;
  /** `-d` on a Slurm cluster: the job id sbatch gave (absent if it had not answered in time). */
  slurmJobId?: number;
}

export interface RunResult {
  exitCode: number;
  /** The job's name (with several hosts, each host's job is `<name>-<server>`). */
  job: string;
  /** Started and left running (--detach). */
  detached: boolean;
  /** In the plan's order. */
  hosts: HostResult[];
}

/** What one server answered to a job command. */
export type JobAnswer =
  | { kind: 'list'; list: JobList; listedAt: number }
  /** --wait --for: the line that matched. */
  | { kind: 'matched'; name: string; line: string }
  /** --wait without --for: the job ended with `status`. */
  | { kind: 'ended'; name: string; status: number }
  /** --logs --json: the output, kept. */
  | { kind: 'logs'; name: string; stdout: Bounded; stderr: Bounded }
  /** --wait --for: the job ended before a line matched (the code is 1, or the job's own). */
  | { kind: 'unmatched'; name: string; status: number; pattern: string }
  /** --wait --timeout: gave up waiting (124); the job goes on. */
  | { kind: 'timed-out'; name: string; seconds: number }
  /** --kill: what it found and did (a job that outlived SIGKILL is an error instead). */
  | { kind: 'killed'; name: string; outcome: Exclude<KillOutcome, { kind: 'alive' }> }
  /** --send, --keys: typed into the job's terminal. */
  | { kind: 'sent'; name: string }
  /** --screen: what the job's terminal shows (a batch job: the tail of its output). */
  | { kind: 'screen'; name: string; text: string; terminal: 'tty' | 'batch'; state: 'running' | 'ended' }
  /** --logs, --attach, --wait: the output streamed; the code is the job's (or the stream's). */
  | { kind: 'streamed' };

export interface JobHostResult extends HostResult {
  /** Absent when the host failed (its `failure` says why). */
  answer?: JobAnswer;
}

export interface JobsResult {
  exitCode: number;
  /** How the summary names the operation: `--jobs`, `--kill train`. */
  label: string;
  /** Several servers: each answer is printed with its [server] prefix, and a failure summary. */
  fanOut: boolean;
  hosts: JobHostResult[];
}

export interface GetResult {
  exitCode: number;
  /** Absent when the sync or the download was stopped (Ctrl+C). */
  download?: DownloadResult;
}

export interface WatchResult {
  exitCode: number;
  /** A second Ctrl+C: mtr did not wait for the command to stop. */
  abandoned: boolean;
}

export interface DoctorResult {
  exitCode: number;
  title: string;
  checks: Check[];
}

// 0 when every host returned 0, else the largest code (as pdsh does); unreachable hosts count 255.
export function combineExitCodes(results: readonly HostResult[]): number {
  return results.reduce((max, r) => Math.max(max, r.code), 0);
}
