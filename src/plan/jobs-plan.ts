import { selectServers } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { JobOptions } from '../options.js';
import { checkJobName } from '../remote/job-name.js';
import type { PlanInputs } from './inputs.js';
import { planHost, planLog } from './host-plan.js';
import { DEFAULT_PARALLEL } from './run-plan.js';
import type { JobsPlan } from './types.js';

// --jobs, --attach, --logs, --wait, --kill: one job operation per server; several servers (-s a,b,
// a group, --all) are asked at once, each one's output prefixed with [server].
export function planJobs(options: JobOptions, config: LoadedConfig, inputs: PlanInputs): JobsPlan {
  const { action } = options;
  if (action.kind !== 'list') checkJobName(action.name);
  const hosts = selectServers(config, { flag: options.server, env: inputs.env, all: options.all }).map((s) => planHost(s, inputs, { reuse: options.reuse }));
  if (hosts.length > 1 && action.kind === 'attach') {
    throw new UsageError('--attach needs a single server', `pick one with -s NAME; to follow all, use \`mtr --logs ${action.name} --follow\``);
  }
  if (hosts.length > 1 && action.kind === 'list' && action.json) {
    throw new UsageError('--jobs --json needs a single server', 'run it per server with -s NAME');
  }
  return {
    action: 'job',
    projectRoot: config.projectRoot,
    log: planLog(options, config.projectRoot, inputs),
    debug: options.debug,
    op: action,
    hosts,
    parallel: options.parallel ?? DEFAULT_PARALLEL,
    atTerminal: options.tty !== false && inputs.terminal.stdin && inputs.terminal.stdout,
  };
}
