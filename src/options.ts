// Typed options the CLI adapter hands to commands. Commands never read process.argv.

export interface GlobalOptions {
  /** false with --no-reuse: no shared connection this time. */
  reuse: boolean;
  debug: boolean;
  enableLog: boolean;
  logFile?: string;
}

export interface RunOptions extends GlobalOptions {
  server?: string;
  /** --all: every configured server. */
  all?: boolean;
  /** Hosts run at once in a fan-out (--parallel). */
  parallel?: number;
  /** undefined = the default (sync on). */
  sync?: boolean;
  /** undefined = decide from the terminal. */
  tty?: boolean;
  dryRun: boolean;
  /** Start the job and return at once, printing its name. */
  detach: boolean;
  /** Job name (default: project + short id). */
  name?: string;
  /** Mirror local deletions on the remote (also `delete: true` in the config). */
  deleteRemote: boolean;
  /** Accepted for compatibility: batch runs print no summary unless verbose. */
  quiet: boolean;
  /** Batch mode: print the sync summary line (and the fan-out summary) on stderr. */
  verbose: boolean;
  command: string[];
}

export interface WatchOptions extends GlobalOptions {
  server?: string;
  /** Print the sync plan and the command it would restart; connect nowhere. */
  dryRun: boolean;
  /** false (--no-tty): one stderr line per sync even on a terminal. */
  tty?: boolean;
  /** Mirror local deletions on the remote (also `delete: true` in the config). */
  deleteRemote: boolean;
  /** No per-sync lines in batch mode. */
  quiet: boolean;
  /** Base name of the command's jobs (run n is `<name>-<n>`). */
  name?: string;
  /** Empty: only sync. Otherwise run it as a job and restart it on every change. */
  command: string[];
}

export interface GetOptions extends GlobalOptions {
  server?: string;
  sync?: boolean;
  /** Print what would be downloaded where; connect nowhere, write nothing. */
  dryRun: boolean;
  deleteRemote: boolean;
  /** No "downloaded …" line. */
  quiet: boolean;
  /** Also the sync summary line before the download. */
  verbose: boolean;
  remotePath: string;
  to?: string;
}

export type JobAction =
  | { kind: 'list'; json: boolean; allProjects: boolean }
  | { kind: 'attach'; name: string }
  | { kind: 'logs'; name: string; follow: boolean; tail?: number }
  | { kind: 'wait'; name: string; pattern?: string; timeoutSeconds?: number }
  | { kind: 'kill'; name: string };

export interface JobOptions extends GlobalOptions {
  server?: string;
  all?: boolean;
  /** Servers asked at once with several (--parallel). */
  parallel?: number;
  tty?: boolean;
  action: JobAction;
}

export interface InitOptions extends GlobalOptions {
  force: boolean;
}
