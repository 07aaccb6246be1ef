import type { SshTarget, TargetEnv } from '../ssh/target.js';

/**
 * The facts of the environment a plan is built from, gathered once before planning
 * (commands/plan-inputs.ts reads them), so the planner itself reads nothing: tests pass them in.
 */
export interface PlanInputs {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Which of stdin, stdout and stderr are terminals, and the terminal's size. */
  terminal: { stdin: boolean; stdout: boolean; stderr: boolean; cols: number; rows: number };
  /** stdin carries data for the remote command (a pipe, a file, a socket). */
  stdinIsData: boolean;
  /** ~/.ssh/config and the local user: what resolveTarget applies. */
  ssh: TargetEnv;
  /** The private folder of shared connections' sockets; undefined when none can be kept. */
  controlDir: string | undefined;
  /** Digest of what a target logs in with (keys' content, password): part of its socket's name. */
  credentialsOf: (target: SshTarget) => string;
  now: Date;
  pid: number;
  /** Random hex for a generated job name. */
  jobId: string;
}
