import { selectServer } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import type { WatchOptions } from '../options.js';
import { buildRemoteCommand, joinRemoteDir } from '../remote/command.js';
import { checkJobName, generateJobName } from '../remote/job-name.js';
import type { PlanInputs } from './inputs.js';
import { planForwards } from './forwards-plan.js';
import { planHost, planLog, planSync } from './host-plan.js';
import { planCommand, planJob } from './run-plan.js';
import { refuseOnCluster } from './slurm-plan.js';
import type { WatchPlan } from './types.js';

// `mtr --watch [command…]`: a full sync, then one per batch of changes over a kept-open connection
// of its own; with a command, batch jobs `<name>-1`, `<name>-2`, … restarted after each sync.
export function planWatch(options: WatchOptions, config: LoadedConfig, inputs: PlanInputs): WatchPlan {
  if (options.name !== undefined) checkJobName(options.name);
  const host = planHost(selectServer(config, { flag: options.server, env: inputs.env }), inputs, { reuse: false });
  const { server } = host;
  const hasCommand = options.command.length > 0;
  const forwards = planForwards(options.forwards, server);
  const base = {
    action: 'watch' as const,
    projectRoot: config.projectRoot,
    log: planLog(options, config.projectRoot, inputs),
    debug: options.debug,
    host,
    sync: planSync(server, { enabled: true, deleteFlag: options.deleteRemote, live: false, verbose: false }),
    status: { live: !hasCommand && options.tty !== false && inputs.terminal.stderr, quiet: options.quiet },
    dryRun: options.dryRun,
    agent: Boolean(inputs.env.SSH_AUTH_SOCK),
    ...(forwards.length ? { forwards } : {}),
  };
  const command = planCommand(server, config.projectRoot, inputs.cwd, options.command);
  const remoteCwd = joinRemoteDir(command.remoteDir, command.subdir);
  if (!hasCommand) return { ...base, remoteCwd };
  // Restarting on every change fits a process, not a queue: syncing alone (`--watch`) still works.
  refuseOnCluster(server, '--watch CMD', '`mtr --watch` alone keeps the code synced; submit runs with `mtr -s SERVER CMD` or `mtr -s SERVER -d CMD`');
  const name = options.name ?? generateJobName(config.projectRoot, () => inputs.jobId);
  return {
    ...base,
    remoteCwd,
    job: planJob(host, command, remoteCwd, { name, mode: 'batch', stdinIsData: false }),
    remoteCommand: buildRemoteCommand(command),
  };
}
