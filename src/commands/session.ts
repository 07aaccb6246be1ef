import { loadConfigCached } from '../config/cache.js';
import type { LoadedConfig } from '../config/types.js';
import type { Context } from '../context.js';
import { openHost } from '../host/open.js';
import type { Host } from '../host/types.js';
import type { Logger } from '../log.js';
import { sshHostPlan } from '../plan/host-plan.js';
import type { HostPlan } from '../plan/types.js';

// A host plan at work: the plan's server and target, the project it syncs, and the debug log.
export interface Session extends HostPlan {
  readonly projectRoot: string;
  readonly logger: Logger;
}

export async function loadProject(ctx: Context): Promise<LoadedConfig> {
  const config = await loadConfigCached(ctx);
  for (const warning of config.warnings) ctx.stderr.write(`mtr: warning: ${warning}\n`);
  return config;
}

export function openSession(host: HostPlan, projectRoot: string, logger: Logger): Session {
  logger.addSecret(host.server.password);
  return { ...host, projectRoot, logger };
}

// The target already carries the shared socket when reuse is on (the plan decided it).
// A pool (ctx.hostSource) lends its open connection instead.
export async function connectSession(session: Session, ctx: Context): Promise<Host> {
  const plan = sshHostPlan(session);
  return ctx.hostSource ? ctx.hostSource.lease(plan, ctx, session.logger) : openHost(plan, ctx, session.logger);
}
