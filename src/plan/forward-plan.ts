import { selectServers } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import type { ForwardOptions } from '../options.js';
import type { PlanInputs } from './inputs.js';
import { planForwards, refuseFanOutForwards } from './forwards-plan.js';
import { planHost, planLog } from './host-plan.js';
import type { ForwardPlan, HostPlan } from './types.js';

// `mtr --forward SPEC…` without a command: one server, its ports held until Ctrl+C or SIGTERM.
export function planForward(options: ForwardOptions, config: LoadedConfig, inputs: PlanInputs): ForwardPlan {
  const hosts = selectServers(config, { flag: options.server, env: inputs.env }).map((s) => planHost(s, inputs, { reuse: options.reuse }));
  refuseFanOutForwards(options.forwards, hosts.map((h) => h.server.name));
  const host = hosts[0] as HostPlan;
  return {
    action: 'forward',
    projectRoot: config.projectRoot,
    log: planLog(options, config.projectRoot, inputs),
    debug: options.debug,
    host,
    forwards: planForwards(options.forwards, host.server),
  };
}
