import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import type { HostRunPlan, RunPlan } from '../plan/types.js';
import type { Host } from '../host/types.js';
import { launchAndStream, noTmuxNotice, startDetached } from './launch.js';
import { openLogger } from './logger.js';
import type { RunResult } from './results.js';
import { connectSession, openSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

// `mtr cmd…`: sync, then run the planned job on the planned server (several: fanout.ts). The job's
// output streams to ctx; what the run itself has to say comes back as the result.
export async function runRun(ctx: Context, plan: RunPlan): Promise<RunResult> {
  const logger = openLogger(plan.log, ctx);
  if (plan.fanOut) {
    const { runFanOut } = await import('./fanout.js');
    return runFanOut(ctx, plan, plan.fanOut, logger);
  }
  const run = plan.hosts[0] as HostRunPlan;
  const session = openSession(run.host, plan.projectRoot, logger);
  logger.debug(`mtr run: server=${session.server.name} argv=${JSON.stringify(plan.argv)}`);
  const started = Date.now();
  const exitCode = await runOnHost(ctx, session, run);
  return { exitCode, job: run.job.name, detached: plan.detach, hosts: [{ name: session.server.name, code: exitCode, ms: Date.now() - started }] };
}

async function runOnHost(ctx: Context, session: Session, run: HostRunPlan): Promise<number> {
  // Scanning, connecting and (with a trusted host key) rsync overlap instead of queueing.
  const tree = run.sync.enabled ? scanLater(session) : undefined;
  tree?.catch(() => undefined);
  const connecting = connectSession(session, ctx);
  connecting.catch(() => undefined);
  const closeLater = () => void connecting.then((c) => c.close(), () => undefined);
  if (tree) {
    const end = await runSyncStep(ctx, session, connecting, run.sync, tree).catch((error: unknown) => {
      closeLater();
      throw error;
    });
    if (end.stopped) {
      closeLater();
      return end.exitCode;
    }
  }
  const connection = await connecting;
  try {
    switch (run.job.mode) {
      case 'detached':
        await startDetached(connection, session, run.job);
        return 0;
      case 'batch':
        return await launchAndStream(ctx, connection, session, run.job);
      case 'interactive':
        return await runAttached(ctx, connection, session, run);
    }
  } finally {
    connection.close();
  }
}

async function scanLater(session: Session) {
  const { scanProject } = await import('../sync/sync-project.js');
  return scanProject(session.server, session.projectRoot);
}

async function runAttached(ctx: Context, connection: Host, session: Session, run: HostRunPlan): Promise<number> {
  const { startJob } = await import('../jobs/remote.js');
  const { startSpecOf } = await import('../jobs/start-spec.js');
  const started = await startJob(connection, startSpecOf(run.job, new Date()));
  session.logger.debug(`job ${run.job.name}: ${started}`);
  if (started === 'no-tmux') {
    ctx.stderr.write(noTmuxNotice(session.server.name));
    return interactDirect(ctx, connection, run.job.fallback);
  }
  const { attachInteractive } = await import('../exec/attach.js');
  return attachInteractive(ctx, connection, run.job.name);
}

async function interactDirect(ctx: Context, connection: Host, command: string): Promise<number> {
  const { runInteractive } = await import('../exec/interactive.js');
  const end = await runInteractive(ctx, connection, command);
  if (end.how === 'lost') {
    ctx.stderr.write('mtr: connection lost\n');
    return EXIT.transport;
  }
  return end.how === 'exit' ? end.status : 0;
}
