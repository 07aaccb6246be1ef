import path from 'node:path';
import { selectServers } from '../config/select.js';
import type { LoadedConfig, ServerConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { DEFAULT_JOB_SIZE, DEFAULT_MAX_OUTPUT, type RunOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, buildSetupScript, commandLine, joinRemoteDir, wrapForLoginShell, type RemoteCommandSpec } from '../remote/command.js';
import { buildSlurmScript, type SlurmLaunch } from '../remote/slurm-script.js';
import { planSlurmRequest } from './slurm-plan.js';
import { FALLBACK_TERM } from '../remote/job-env.js';
import { checkJobName, entryJobName, generateJobName } from '../remote/job-name.js';
import { buildDirectCommand } from '../remote/staged-command.js';
import type { PlanInputs } from './inputs.js';
import { planForwards, refuseFanOutForwards } from './forwards-plan.js';
import { planHost, planLog, planSync, projectSubdir } from './host-plan.js';
import type { HostPlan, HostRunPlan, JobMode, JobPlan, RunPlan } from './types.js';

/** Hosts run at once in a fan-out unless --parallel says otherwise. */
export const DEFAULT_PARALLEL = 8;

/** Every command runs with unbuffered Python output, so a job's lines arrive as they are printed. */
export const COMMAND_ENV: Readonly<Record<string, string>> = { PYTHONUNBUFFERED: '1' };

// What needs no config: checked before any file is read.
export function checkRunOptions(options: RunOptions): void {
  if (!options.command.length) {
    throw new UsageError('no command given', 'usage: mtr [options] <command...>, e.g. `mtr python train.py` (see `mtr --help`)');
  }
  if (options.name !== undefined) checkJobName(options.name);
}

// `mtr cmd…` on one server or several: the job, its mode, the sync and the exact remote command
// for each host. With several: batch jobs `<name>-<server>`, each host's output prefixed and logged.
export function planRun(options: RunOptions, config: LoadedConfig, inputs: PlanInputs): RunPlan {
  checkRunOptions(options);
  const selected = selectServers(config, { flag: options.server, env: inputs.env, all: options.all });
  const hosts = selected.map((s) => planHost(s, inputs, { reuse: options.reuse }));
  refuseFanOutForwards(options.forwards, hosts.map((h) => h.server.name));
  const jobName = options.session ?? options.name ?? generateJobName(config.projectRoot, () => inputs.jobId);
  const base = {
    action: 'run' as const,
    projectRoot: config.projectRoot,
    log: planLog(options, config.projectRoot, inputs),
    debug: options.debug,
    argv: options.command,
    jobName,
    dryRun: options.dryRun,
    detach: options.detach,
    verbose: options.verbose,
    agent: Boolean(inputs.env.SSH_AUTH_SOCK),
    ...(options.json ? { json: { maxOutput: options.maxOutput ?? DEFAULT_MAX_OUTPUT } } : {}),
    ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
  };
  if (options.json && options.tty === true && !options.detach) {
    throw new UsageError('--json collects the output of a batch run; it cannot be combined with --tty', 'drop --tty (or start a terminal job with -d --tty --json)');
  }
  if (options.timeoutSeconds !== undefined && options.detach) {
    throw new UsageError('--timeout bounds a run mtr waits for; a detached job (-d) is not waited for', 'drop -d, or bound the wait: `mtr --wait NAME --timeout N`');
  }
  if (options.session !== undefined) {
    const cluster = hosts.find((h) => h.server.slurm);
    if (cluster) throw new UsageError(`--session does not apply to Slurm server ${cluster.server.name}: a session is a shell on one machine, and cluster jobs run on compute nodes`, 'run each command as `mtr -s SERVER CMD` (or `mtr -s SERVER bash` for a shell on a compute node)');
    if (hosts.length > 1) throw new UsageError(`--session needs a single server (got ${hosts.map((h) => h.server.name).join(', ')})`, 'pick one with -s NAME');
    return planSessionRun(options.session, hosts[0] as HostPlan, base, options, config, inputs);
  }
  if (hosts.length === 1) {
    // --json keeps the output for the result: a batch run even at a terminal.
    const interactive = !options.detach && !options.json && (options.tty ?? (inputs.terminal.stdin && inputs.terminal.stdout));
    const mode: JobMode = options.detach ? 'detached' : interactive ? 'interactive' : 'batch';
    const host = hosts[0] as HostPlan;
    const run = planHostRun(host, options, config, inputs, { name: jobName, mode, stdinIsData: inputs.stdinIsData });
    // A detached run returns at once: nothing would hold a port open.
    const forwards = mode === 'detached' ? [] : planForwards(options.forwards, host.server);
    return { ...base, hosts: [forwards.length ? { ...run, forwards } : run] };
  }
  const names = hosts.map((h) => h.server.name).join(', ');
  if (options.tty === true) throw new UsageError(`--tty needs a single server (got ${names})`, 'pick one with -s NAME, or drop --tty for per-host batch output');
  checkEntryJobNames(hosts, jobName);
  const mode: JobMode = options.detach ? 'detached' : 'batch';
  // A host's stdin is EOF: one piped input cannot go to several commands.
  const runs = hosts.map((host) => planHostRun(host, options, config, inputs, { name: entryJobName(jobName, host.server.name), mode, stdinIsData: false }));
  const atTerminal = options.tty === undefined && inputs.terminal.stdin && inputs.terminal.stdout;
  return {
    ...base,
    hosts: runs,
    fanOut: {
      parallel: options.parallel ?? DEFAULT_PARALLEL,
      logDir: path.join(config.projectRoot, '.mtr', 'logs', jobName),
      ...(atTerminal ? { notice: `${hosts.length} servers (${names}): batch mode, each line prefixed with [server]` } : {}),
    },
  };
}

// Two server names that give one job name (`a.b` and `a-b`) could meet on one account.
function checkEntryJobNames(hosts: readonly HostPlan[], jobName: string): void {
  const seen = new Map<string, string>();
  for (const { server } of hosts) {
    const job = entryJobName(jobName, server.name);
    const other = seen.get(job);
    if (other !== undefined) throw new UsageError(`servers ${other} and ${server.name} would both run job ${job}`, 'rename one of them in .mtr/config.yaml');
    seen.set(job, server.name);
  }
}

interface JobChoice {
  name: string;
  mode: JobMode;
  stdinIsData: boolean;
}

/** The remote command of a run or a watch: the cwd's folder under remote_dir, pre_cmd, the argv. */
export function planCommand(server: ServerConfig, projectRoot: string, cwd: string, argv: readonly string[]): RemoteCommandSpec {
  return {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(projectRoot, cwd),
    ...(server.preCmd === undefined ? {} : { preCmd: server.preCmd }),
    argv,
    env: COMMAND_ENV,
  };
}

function planHostRun(host: HostPlan, options: RunOptions, config: LoadedConfig, inputs: PlanInputs, job: JobChoice): HostRunPlan {
  const { server } = host;
  const command = planCommand(server, config.projectRoot, inputs.cwd, options.command);
  const remoteCwd = joinRemoteDir(command.remoteDir, command.subdir);
  const interactive = job.mode === 'interactive';
  const slurm = planSlurmLaunch(host, options, job);
  const pane = paneOf(job, options, inputs);
  const planned = planJob(host, command, remoteCwd, job, pane);
  const script = slurm ? buildSlurmScript({ ...command, slurm }) : undefined;
  return {
    host,
    command,
    remoteCwd,
    remoteCommand: script ? wrapForLoginShell(script) : buildRemoteCommand(command),
    job: script ? { ...planned, script, fallback: buildDirectCommand(script) } : planned,
    sync: planSync(server, { enabled: options.sync !== false, deleteFlag: options.deleteRemote, live: interactive, verbose: options.verbose }),
  };
}

// A cluster server's run: srun in the job (at a terminal `srun --pty`), sbatch for -d. Not -d --tty:
// an sbatch job has no terminal to keep.
function planSlurmLaunch(host: HostPlan, options: RunOptions, job: JobChoice): SlurmLaunch | undefined {
  const request = planSlurmRequest(host.server, options.slurm);
  if (!request) return undefined;
  if (job.mode === 'detached' && options.size) {
    throw new UsageError(`-d --tty does not apply to Slurm server ${host.server.name}: a batch job (sbatch) has no terminal`, 'drop --tty/--size for a batch job, or run `mtr -s SERVER CMD` at a terminal for `srun --pty`');
  }
  const mode = job.mode === 'detached' ? 'sbatch' : job.mode === 'interactive' ? 'pty' : 'srun';
  return { mode, request, jobName: job.name, server: host.server.name };
}

// An attached run's pane takes the user's terminal; a detached one on a terminal (-d --tty) the size
// --size asked for (or the default), and a TERM that a script's environment ("dumb", none) cannot spoil.
function paneOf(job: JobChoice, options: RunOptions, inputs: PlanInputs): { term?: string; size?: { cols: number; rows: number }; detached?: boolean } {
  if (job.mode === 'interactive') return { term: inputs.env.TERM || FALLBACK_TERM, size: { cols: inputs.terminal.cols, rows: inputs.terminal.rows } };
  if (job.mode === 'detached' && options.size) {
    const term = inputs.env.TERM && inputs.env.TERM !== 'dumb' ? inputs.env.TERM : FALLBACK_TERM;
    return { term, size: options.size, detached: true };
  }
  return {};
}

/** The job around a remote command: batch, interactive (a pane) or detached (with -d --tty, on a pane). */
export function planJob(
  host: HostPlan,
  command: RemoteCommandSpec,
  remoteCwd: string,
  job: JobChoice,
  pane: { term?: string; size?: { cols: number; rows: number }; detached?: boolean } = {},
): JobPlan {
  const script = buildRemoteScript(command);
  // A detached job on a terminal starts at once: nobody attaches first.
  const interactive = job.mode === 'interactive' || pane.detached === true;
  return {
    name: job.name,
    mode: job.mode,
    project: command.remoteDir,
    script,
    fallback: buildDirectCommand(script),
    wrapper: {
      interactive,
      ...(pane.detached ? { gate: false } : {}),
      stdinFifo: job.mode === 'batch' && job.stdinIsData,
      ...(interactive && pane.term ? { term: pane.term } : {}),
    },
    ...(interactive && pane.size ? { size: pane.size } : {}),
    argv: command.argv,
    server: host.server.name,
    cwd: remoteCwd,
  };
}

// `mtr --session NAME cmd…`: one server (the flag table refuses --all); the job is the session's shell,
// started with the setup (cd, exports, pre_cmd) and no command when it is not running, on a pane of
// the detached default size; the command itself gets a fresh id.
function planSessionRun(name: string, host: HostPlan, base: Omit<RunPlan, 'hosts'>, options: RunOptions, config: LoadedConfig, inputs: PlanInputs): RunPlan {
  const run = planHostRun(host, options, config, inputs, { name, mode: 'detached', stdinIsData: false });
  const term = inputs.env.TERM && inputs.env.TERM !== 'dumb' ? inputs.env.TERM : FALLBACK_TERM;
  const job: JobPlan = {
    ...run.job,
    script: buildSetupScript(run.command),
    wrapper: { interactive: true, gate: false, session: true, stdinFifo: false, term },
    size: options.size ?? DEFAULT_JOB_SIZE,
  };
  return {
    ...base,
    hosts: [{ ...run, job }],
    session: { name, commandId: inputs.jobId, commandLine: commandLine(options.command), stdinIsData: inputs.stdinIsData },
  };
}
