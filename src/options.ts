// Typed options the CLI adapter hands to commands. Commands never read process.argv.

export interface GlobalOptions {
  debug: boolean;
  enableLog: boolean;
  logFile?: string;
}

export interface RunOptions extends GlobalOptions {
  server?: string;
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
  /** No sync summary line in batch mode. */
  quiet: boolean;
  command: string[];
}

export interface GetOptions extends GlobalOptions {
  server?: string;
  sync?: boolean;
  deleteRemote: boolean;
  quiet: boolean;
  remotePath: string;
  to?: string;
}

export type JobAction =
  | { kind: 'list'; json: boolean }
  | { kind: 'attach'; name: string }
  | { kind: 'logs'; name: string; follow: boolean; tail?: number }
  | { kind: 'wait'; name: string; pattern?: string; timeoutSeconds?: number }
  | { kind: 'kill'; name: string };

export interface JobOptions extends GlobalOptions {
  server?: string;
  tty?: boolean;
  action: JobAction;
}

export interface InitOptions extends GlobalOptions {
  force: boolean;
}
