import { planRequest } from '../../commands/plan-inputs.js';
import type { PlanRequest } from '../../plan/build-plan.js';
import type { Plan } from '../../plan/types.js';
import type { ToolCall } from '../call.js';
import { checkOneServer } from '../requests.js';

// A tool's plan, as the CLI makes it (config, server choice, checks), refused for several servers.
export async function planOne<R extends PlanRequest>(call: ToolCall, request: R): Promise<Extract<Plan, { action: R['kind'] }>> {
  const plan = await planRequest(call.ctx, request);
  const hosts = 'hosts' in plan ? plan.hosts.map((h) => ('host' in h ? h.host : h).server.name) : [plan.host.server.name];
  checkOneServer(hosts);
  return plan;
}
