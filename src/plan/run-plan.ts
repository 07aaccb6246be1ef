import path from 'node:path';
import { selectServers } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { RunOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, joinRemoteDir, type RemoteCommandSpec } from '../remote/command.js';
import { FALLBACK_TERM } from '../remote/job-env.js';
import { checkJobName, entryJobName, generateJobName } from '../remote/job-name.js';
import { buildDirectCommand } from '../remote/staged-command.js';
import type { PlanInputs } from './inputs.js';
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
  const jobName = options.name ?? generateJobName(config.projectRoot, () => inputs.jobId);
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
  };
  if (hosts.length === 1) {
    const interactive = !options.detach && (options.tty ?? (inputs.terminal.stdin && inputs.terminal.stdout));
    const mode: JobMode = options.detach ? 'detached' : interactive ? 'interactive' : 'batch';
    return { ...base, hosts: [planHostRun(hosts[0] as HostPlan, options, config, inputs, { name: jobName, mode, stdinIsData: inputs.stdinIsData })] };
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

function planHostRun(host: HostPlan, options: RunOptions, config: LoadedConfig, inputs: PlanInputs, job: JobChoice): HostRunPlan {
  const { server } = host;
  const command: RemoteCommandSpec = {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(config.projectRoot, inputs.cwd),
    ...(server.preCmd === undefined ? {} : { preCmd: server.preCmd }),
    argv: options.command,
    env: COMMAND_ENV,
  };
  const remoteCwd = joinRemoteDir(command.remoteDir, command.subdir);
  const interactive = job.mode === 'interactive';
  return {
    host,
    command,
    remoteCwd,
    remoteCommand: buildRemoteCommand(command),
    job: planJob(host, command, remoteCwd, job, interactive ? { term: inputs.env.TERM || FALLBACK_TERM, size: { cols: inputs.terminal.cols, rows: inputs.terminal.rows } } : {}),
    sync: planSync(server, { enabled: options.sync !== false, deleteFlag: options.deleteRemote, live: interactive, verbose: options.verbose }),
  };
}

/** The job around a remote command: batch, interactive (a pane) or detached. */
export function planJob(
  host: HostPlan,
  command: RemoteCommandSpec,
  remoteCwd: string,
  job: JobChoice,
  pane: { term?: string; size?: { cols: number; rows: number } } = {},
): JobPlan {
  const script = buildRemoteScript(command);
  const interactive = job.mode === 'interactive';
  return {
    name: job.name,
    mode: job.mode,
    project: command.remoteDir,
    script,
    fallback: buildDirectCommand(script),
    wrapper: { interactive, stdinFifo: job.mode === 'batch' && job.stdinIsData, ...(interactive && pane.term ? { term: pane.term } : {}) },
    ...(interactive && pane.size ? { size: pane.size } : {}),
    argv: command.argv,
    server: host.server.name,
    cwd: remoteCwd,
  };
}
