import type { ForwardSpec } from '../config/forward-spec.js';
import type { ServerChoice } from '../config/select.js';
import type { ServerConfig, SyncEngine } from '../config/types.js';
import type { JobAction } from '../options.js';
import type { RemoteCommandSpec } from '../remote/command.js';
import type { WrapperSpec } from '../remote/job-script.js';
import type { SshTarget } from '../ssh/target.js';

// The plan: what one invocation will do, decided once from the flags, the config and the facts of
// the environment (plan/build-plan.ts), then executed as it is by the commands and shown as it is by
// --dry-run. Values only: nothing here runs.

/** One server to talk to. */
export interface HostPlan {
  readonly server: ServerConfig;
  /** Why this server: -s, --all, MTR_SERVER, `default:` or the first in the file (from selectServer). */
  readonly chosenBy: ServerChoice;
  /** Where and as whom to log in; with the shared connection's socket when reuse is on (decided here, once). */
  readonly target: SshTarget;
  /** Use (or leave behind) a shared connection. */
  readonly reuse: boolean;
}

/** The sync before a run or a download, or the syncs of --watch. */
export interface SyncPolicy {
  /** false with --no-sync. */
  readonly enabled: boolean;
  /** Mirror local deletions: --delete or the server's `delete: true`. */
  readonly delete: boolean;
  /** The server's `sync:`: rsync, sftp, or auto (rsync where it can, else SFTP). */
  readonly engine: SyncEngine;
  /** A spinner line on the terminal (interactive runs). */
  readonly live: boolean;
  /** Batch: one summary line on stderr (-v); otherwise nothing when all went well. */
  readonly verbose: boolean;
}

export type JobMode = 'batch' | 'interactive' | 'detached';

/** The tmux job a command runs as (remote/job-script.ts builds its lines; start-spec.ts its StartSpec). */
export interface JobPlan {
  readonly name: string;
  readonly mode: JobMode;
  /** The project's remote_dir as configured: the job's history belongs to it. */
  readonly project: string;
  /** cd, exports, pre_cmd, command (buildRemoteScript). */
  readonly script: string;
  /** Without tmux on the server: the command line run directly instead. */
  readonly fallback: string;
  readonly wrapper: WrapperSpec;
  /** Interactive: the pane's first size. */
  readonly size?: { readonly cols: number; readonly rows: number };
  /** For the job's record (meta.json). */
  readonly argv: readonly string[];
  readonly server: string;
  readonly cwd: string;
}

/** Where the debug log goes (--enable-log, --log-file); no file: no log. */
export interface LogPlan {
  readonly file?: string;
}

interface PlanBase {
  readonly projectRoot: string;
  readonly log: LogPlan;
  /** --debug: stack traces with errors. */
  readonly debug: boolean;
}

/** What --dry-run shows of a plan it does not execute. */
interface Showable {
  /** --dry-run: show the plan, connect nowhere, change nothing. */
  readonly dryRun: boolean;
  /** SSH_AUTH_SOCK is set: the agent's keys are offered too (the dry run says so). */
  readonly agent: boolean;
}

/** What `mtr cmd…` does on one server. */
export interface HostRunPlan {
  readonly host: HostPlan;
  readonly command: RemoteCommandSpec;
  /** remote_dir plus the cwd's place in the project. */
  readonly remoteCwd: string;
  /** The exact line sshd is handed for the command (the dry run shows it). */
  readonly remoteCommand: string;
  readonly job: JobPlan;
  readonly sync: SyncPolicy;
  /** Local ports held open to the server while it lasts (plan/forwards-plan.ts). */
  readonly forwards?: readonly ForwardSpec[];
}

export interface FanOutPlan {
  /** Hosts run at once. */
  readonly parallel: number;
  /** .mtr/logs/<job>/: each host's full stdout and stderr. */
  readonly logDir: string;
  /** Said on stderr before anything runs (at a terminal: why there is no PTY). */
  readonly notice?: string;
}

export interface RunPlan extends PlanBase, Showable {
  readonly action: 'run';
  readonly argv: readonly string[];
  /** The job's name (with several hosts, each host's job is `<name>-<server>`). */
  readonly jobName: string;
  readonly detach: boolean;
  readonly hosts: readonly HostRunPlan[];
  /** Present with several hosts. */
  readonly fanOut?: FanOutPlan;
  /** -v: with several hosts, the summary also when all went well. */
  readonly verbose: boolean;
  /** --json: the result as one JSON document; the job's output kept (maxOutput bytes per stream). */
  readonly json?: { readonly maxOutput: number };
  /** --timeout: the job is stopped past this many seconds (exit 124). */
  readonly timeoutSeconds?: number;
  /** --session NAME: the command goes to that persistent shell; hosts[0].job starts the shell when it is not running. */
  readonly session?: SessionCommandPlan;
}

/** One command of a persistent shell (remote/session-script.ts). */
export interface SessionCommandPlan {
  readonly name: string;
  /** Random hex: the command's folder ~/.mtr/jobs/NAME/c/ID/. */
  readonly commandId: string;
  /** The line the shell runs (commandLine of the argv). */
  readonly commandLine: string;
  /** mtr's stdin is data: it reaches the command through a FIFO. */
  readonly stdinIsData: boolean;
}

export interface GetPlan extends PlanBase, Showable {
  readonly action: 'get';
  readonly host: HostPlan;
  readonly sync: SyncPolicy;
  /** The remote path as the user wrote it, and as the engines receive it (relative to remote_dir). */
  readonly remotePath: string;
  readonly source: string;
  /** Where it lands (sync/plan/download-target.ts has the rule). */
  readonly dest: { readonly path: string; readonly into: boolean };
  /** The server's download_dir, made before the download when it is the destination. */
  readonly makeDir?: string;
  /** No "downloaded …" line. */
  readonly quiet: boolean;
  /** --json: the download's figures as one JSON document. */
  readonly json?: boolean;
}

export interface WatchPlan extends PlanBase, Showable {
  readonly action: 'watch';
  /** Its own ssh2 connection (it carries SFTP and outlives many syncs): never a shared one. */
  readonly host: HostPlan;
  readonly sync: SyncPolicy;
  readonly status: {
    /** One redrawn status line (a terminal, no command output to share it with). */
    readonly live: boolean;
    /** No per-sync lines in batch mode. */
    readonly quiet: boolean;
  };
  /** remote_dir plus the cwd's place in the project: where the command runs. */
  readonly remoteCwd: string;
  /** With a command: its runs are jobs `<name>-1`, `<name>-2`, … of this plan. */
  readonly job?: JobPlan;
  /** With a command: the exact line sshd is handed for it (the dry run shows it). */
  readonly remoteCommand?: string;
  /** Local ports held open to the server while it lasts (plan/forwards-plan.ts). */
  readonly forwards?: readonly ForwardSpec[];
}

export interface JobsPlan extends PlanBase {
  readonly action: 'job';
  readonly op: JobAction;
  readonly hosts: readonly HostPlan[];
  /** Hosts asked at once. */
  readonly parallel: number;
  /** --attach at a terminal (not --no-tty): an interactive job's pane is joined, not followed. */
  readonly atTerminal: boolean;
  /** --attach: local ports held open while attached. */
  readonly forwards?: readonly ForwardSpec[];
  /** --json: each answer as a JSON record; --logs keeps maxOutput bytes per stream. */
  readonly json?: { readonly maxOutput: number };
}

/** `mtr --forward SPEC…` alone: hold the forwards until Ctrl+C or SIGTERM. */
export interface ForwardPlan extends PlanBase {
  readonly action: 'forward';
  readonly host: HostPlan;
  readonly forwards: readonly ForwardSpec[];
}

export type Plan = RunPlan | GetPlan | WatchPlan | JobsPlan | ForwardPlan;
