import type { Check } from '../doctor/checks.js';
import type { KillOutcome } from '../jobs/kill-outcome.js';
import type { JobList } from '../jobs/meta.js';
import type { DownloadResult } from '../sync/download.js';

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
  | { kind: 'matched'; line: string }
  /** --wait --for: the job ended before a line matched (the code is 1, or the job's own). */
  | { kind: 'unmatched'; name: string; status: number; pattern: string }
  /** --wait --timeout: gave up waiting (124); the job goes on. */
  | { kind: 'timed-out'; name: string; seconds: number }
  /** --kill: what it found and did (a job that outlived SIGKILL is an error instead). */
  | { kind: 'killed'; name: string; outcome: Exclude<KillOutcome, { kind: 'alive' }> }
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
