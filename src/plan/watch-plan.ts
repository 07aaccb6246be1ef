import { selectServer } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import type { WatchOptions } from '../options.js';
import { joinRemoteDir } from '../remote/command.js';
import { checkJobName, generateJobName } from '../remote/job-name.js';
import type { PlanInputs } from './inputs.js';
import { planHost, planLog, projectSubdir } from './host-plan.js';
import { planJob } from './run-plan.js';
import type { WatchPlan } from './types.js';

// `mtr --watch [command…]`: a full sync, then one per batch of changes over a kept-open connection
// of its own; with a command, batch jobs `<name>-1`, `<name>-2`, … restarted after each sync.
export function planWatch(options: WatchOptions, config: LoadedConfig, inputs: PlanInputs): WatchPlan {
  if (options.name !== undefined) checkJobName(options.name);
  const host = planHost(selectServer(config, { flag: options.server, env: inputs.env }), inputs, { reuse: false });
  const { server } = host;
  const hasCommand = options.command.length > 0;
  const base = {
    action: 'watch' as const,
    projectRoot: config.projectRoot,
    log: planLog(options, config.projectRoot, inputs),
    debug: options.debug,
    host,
    sync: { enabled: true, delete: options.deleteRemote || server.delete, engine: server.sync, live: false, verbose: false },
    status: { live: !hasCommand && options.tty !== false && inputs.terminal.stderr, quiet: options.quiet },
  };
  if (!hasCommand) return base;
  const command = {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(config.projectRoot, inputs.cwd),
    ...(server.preCmd === undefined ? {} : { preCmd: server.preCmd }),
    argv: options.command,
    env: { PYTHONUNBUFFERED: '1' },
  };
  const name = options.name ?? generateJobName(config.projectRoot, () => inputs.jobId);
  return { ...base, job: planJob(host, command, joinRemoteDir(command.remoteDir, command.subdir), { name, mode: 'batch', stdinIsData: false }) };
}
