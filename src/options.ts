// Typed options the CLI adapter hands to commands. Commands never read process.argv.
import type { ForwardSpec } from './config/forward-spec.js';
import type { SlurmOverrides } from './config/slurm-values.js';

/** Bytes of stdout and of stderr a --json result keeps by default (head and tail). */
export const DEFAULT_MAX_OUTPUT = 262_144;

/** The terminal of a detached job (`-d --tty`) unless --size says otherwise. */
export const DEFAULT_JOB_SIZE = { cols: 120, rows: 40 } as const;

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
  /** --session NAME: run the command in that persistent shell. */
  session?: string;
  /** --timeout: stop the job (INT, TERM, KILL) past this many seconds and exit 124. */
  timeoutSeconds?: number;
  /** Print the result as one JSON document. */
  json?: boolean;
  /** With json: bytes of each stream kept (default DEFAULT_MAX_OUTPUT). */
  maxOutput?: number;
  /** -d --tty: the terminal's size. */
  size?: { cols: number; rows: number };
  forwards?: ForwardSpec[];
  /** --partition, --gpus, --nodes, --time: a Slurm server's request for this run. */
  slurm?: SlurmOverrides;
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
  forwards?: ForwardSpec[];
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
  /** Print the download's figures as one JSON document. */
  json?: boolean;
}

export type JobAction =
  | { kind: 'list'; json: boolean; allProjects: boolean }
  | { kind: 'attach'; name: string }
  | { kind: 'logs'; name: string; follow: boolean; tail?: number }
  | { kind: 'wait'; name: string; pattern?: string; timeoutSeconds?: number }
  | { kind: 'kill'; name: string }
  | { kind: 'send'; name: string; text: string; enter: boolean }
  | { kind: 'keys'; name: string; keys: string[] }
  | { kind: 'screen'; name: string; lines: number; ansi: boolean };

export interface JobOptions extends GlobalOptions {
  server?: string;
  all?: boolean;
  /** Servers asked at once with several (--parallel). */
  parallel?: number;
  tty?: boolean;
  /** Print the result as one JSON document. */
  json?: boolean;
  /** With json and --logs: bytes of each stream kept (default DEFAULT_MAX_OUTPUT). */
  maxOutput?: number;
  /** --attach: ports held open while attached. */
  forwards?: ForwardSpec[];
  action: JobAction;
}

/** `mtr --forward SPEC…` alone: hold the forwards until Ctrl+C. */
export interface ForwardOptions extends GlobalOptions {
  server?: string;
  forwards: ForwardSpec[];
}

export interface InitOptions extends GlobalOptions {
  force: boolean;
}

/** `mtr --mcp`: serve the tools over stdio; `server` is the tools' default server. */
export interface McpOptions extends GlobalOptions {
  server?: string;
  /** false with --no-sync: the tools' `sync` defaults to false. */
  sync?: boolean;
}

/** Largest count a flag (or an MCP argument) takes: every tail, shell and timer on the way handles a 32-bit int. */
export const MAX_COUNT = 2 ** 31 - 1;
/** setTimeout's limit (2^31 - 1 ms), in whole seconds. */
export const MAX_TIMEOUT_SECONDS = Math.floor(MAX_COUNT / 1000);
