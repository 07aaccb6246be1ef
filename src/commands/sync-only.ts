import type { Context } from '../context.js';
import type { HostRunPlan, RunPlan } from '../plan/types.js';
import type { SyncStats } from '../sync/types.js';
import { openLogger } from './logger.js';
import { connectSession, openSession } from './session.js';
import { runSyncStep } from './sync-step.js';

// The sync of a run without the run (the MCP `sync` tool): the planned server, the planned policy.
// Stopped (Ctrl+C / SIGTERM): no stats, and the code to end with.
export async function runSyncOnly(ctx: Context, plan: RunPlan): Promise<{ exitCode: number; stats?: SyncStats }> {
  const run = plan.hosts[0] as HostRunPlan;
  const session = openSession(run.host, plan.projectRoot, openLogger(plan.log, ctx));
  const connection = await connectSession(session, ctx);
  try {
    const end = await runSyncStep(ctx, session, connection, { ...run.sync, enabled: true });
    return end.stopped ? { exitCode: end.exitCode } : { exitCode: 0, stats: end.stats };
  } finally {
    connection.close();
  }
}
