import { selectServers } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { DEFAULT_MAX_OUTPUT, type JobOptions } from '../options.js';
import { checkJobName } from '../remote/job-name.js';
import type { PlanInputs } from './inputs.js';
import { planForwards, refuseFanOutForwards } from './forwards-plan.js';
import { planHost, planLog } from './host-plan.js';
import { DEFAULT_PARALLEL } from './run-plan.js';
import type { JobsPlan } from './types.js';

// --jobs, --attach, --logs, --wait, --kill: one job operation per server; several servers (-s a,b,
// a group, --all) are asked at once, each one's output prefixed with [server].
export function planJobs(options: JobOptions, config: LoadedConfig, inputs: PlanInputs): JobsPlan {
  const { action } = options;
  if (action.kind !== 'list') checkJobName(action.name);
  const hosts = selectServers(config, { flag: options.server, env: inputs.env, all: options.all }).map((s) => planHost(s, inputs, { reuse: options.reuse }));
  refuseFanOutForwards(options.forwards, hosts.map((h) => h.server.name));
  const forwards = action.kind === 'attach' && hosts.length === 1 ? planForwards(options.forwards, (hosts[0] as (typeof hosts)[number]).server) : [];
  if (hosts.length > 1 && action.kind === 'attach') {
    throw new UsageError('--attach needs a single server', `pick one with -s NAME; to follow all, use \`mtr --logs ${action.name} --follow\``);
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
    ...(forwards.length ? { forwards } : {}),
    ...(options.json ? { json: { maxOutput: options.maxOutput ?? DEFAULT_MAX_OUTPUT } } : {}),
  };
}
