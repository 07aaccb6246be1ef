import type { ForwardSpec } from './forward-spec.js';
import type { SlurmConfig } from './slurm-values.js';

export type { SlurmConfig } from './slurm-values.js';

// The shapes config takes after validation and normalization. Raw YAML is `unknown` until validated.

/** Seconds of silence before a link counts as dead (`dead_link_timeout`); here so ssh/ can read it cheaply. */
export const DEFAULT_DEAD_LINK_TIMEOUT = 30;

/** Seconds `--kill` waits after SIGINT (and again after SIGTERM) before the next signal. */
export const DEFAULT_KILL_GRACE = 5;

export type SyncEngine = 'rsync' | 'sftp' | 'auto';

/**
 * How unknown host keys are treated. A changed key is always refused.
 * - ask: ask on a TTY (like ssh), refuse in batch mode (default)
 * - yes: never ask, refuse unknown keys
 * - accept-new: trust and record unknown keys
 */
export type HostKeyPolicy = 'ask' | 'yes' | 'accept-new';

/** One server after `defaults` were merged in and local paths expanded (`~`, relative to project root). */
export interface ServerConfig {
  name: string;
  host: string;
  user?: string;
  port?: number;
  keyFilename?: string;
  password?: string;
  /** Remote project directory as written; may start with `~/`. */
  remoteDir: string;
  preCmd?: string;
  sync: SyncEngine;
  exclude: string[];
  respectGitignore: boolean;
  delete: boolean;
  downloadDir?: string;
  /** Seconds. */
  connectTimeout: number;
  /** Seconds a link may stay silent (no byte from the server despite keepalives) before mtr gives up on it. */
  deadLinkTimeout: number;
  /**
   * Seconds between SIGINT, SIGTERM and SIGKILL when mtr stops a job (`kill_grace`); unset, `--kill`
   * waits DEFAULT_KILL_GRACE and a `--watch` restart its own shorter STOP_GRACE_SECONDS.
   */
  killGrace?: number;
  strictHostKeyChecking: HostKeyPolicy;
  /** Extra known_hosts file checked before ~/.ssh/known_hosts; new keys are recorded here when set. */
  knownHostsFile?: string;
  /** Keep a shared connection (OpenSSH ControlMaster) open between runs. */
  reuse: boolean;
  /** Seconds an unused shared connection stays open. */
  reuseIdle: number;
  /** `forward:`: local ports held open to the server while a run, --watch or --attach lasts. */
  forwards?: ForwardSpec[];
  /** `slurm:`: the host is a Slurm login node; commands go through srun/sbatch. */
  slurm?: SlurmConfig;
}

export interface LoadedConfig {
  /** Folder holding `.mtr/`; the local project root that maps to remote_dir. */
  projectRoot: string;
  /** Absolute path of the project config file. */
  configPath: string;
  /** Server names in file order. */
  serverNames: string[];
  servers: Record<string, ServerConfig>;
  defaultServer?: string;
  /** Named lists of servers (`groups:`), usable wherever a server name is. */
  groups: Record<string, string[]>;
  /** Non-fatal findings such as unknown keys, already formatted with file:line. */
  warnings: string[];
}
