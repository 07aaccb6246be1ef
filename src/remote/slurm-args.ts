// srun/sbatch argv from a planned request. Pure; each value becomes one `--key=value` word, quoted
// once by the script builder (slurm-script.ts).

/** One run's Slurm request: the server's `slurm:` with the run's flags over it (plan/slurm-plan.ts). */
export interface SlurmRequest {
  readonly partition?: string;
  readonly gpus?: string;
  readonly time?: string;
  readonly nodes?: number;
  readonly cpusPerTask?: number;
  readonly mem?: string;
  readonly account?: string;
  readonly qos?: string;
  readonly extra: readonly string[];
}

/** Options srun and sbatch share: the request, then `extra` as given (so it can override). */
export function buildRequestArgs(request: SlurmRequest): string[] {
  const args: string[] = [];
  if (request.partition !== undefined) args.push(`--partition=${request.partition}`);
  if (request.nodes !== undefined) args.push(`--nodes=${request.nodes}`, '--ntasks-per-node=1');
  if (request.gpus !== undefined) args.push(`--gpus=${request.gpus}`);
  if (request.cpusPerTask !== undefined) args.push(`--cpus-per-task=${request.cpusPerTask}`);
  if (request.mem !== undefined) args.push(`--mem=${request.mem}`);
  if (request.time !== undefined) args.push(`--time=${request.time}`);
  if (request.account !== undefined) args.push(`--account=${request.account}`);
  if (request.qos !== undefined) args.push(`--qos=${request.qos}`);
  return [...args, ...request.extra];
}

// --quiet drops srun's "queued and waiting" chatter (stderr stays the task's, plus srun's errors);
// --quit-on-interrupt: one SIGINT ends the step (srun's default wants two within a second).
export function buildSrunArgs(request: SlurmRequest, options: { jobName: string; pty: boolean }): string[] {
  return [
    'srun',
    '--quiet',
    '--quit-on-interrupt',
    `--job-name=${options.jobName}`,
    ...buildRequestArgs(request),
    ...(options.pty ? ['--pty'] : []),
  ];
}

/** sbatch of a detached job: its id on stdout (`--parsable`), output to the two files. */
export function buildSbatchArgs(request: SlurmRequest, options: { jobName: string; output: string; error: string }): string[] {
  return [
    'sbatch',
    '--parsable',
    `--job-name=${options.jobName}`,
    `--output=${options.output}`,
    `--error=${options.error}`,
    ...buildRequestArgs(request),
  ];
}
