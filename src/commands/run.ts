import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import type { HostRunPlan, RunPlan, SessionCommandPlan } from '../plan/types.js';
import type { Host } from '../host/types.js';
import type { SyncStats } from '../sync/types.js';
import { createJobTimer, timeoutNotice } from './job-timeout.js';
import { batchBounds, launchBatch, launchBatchAfterSync, noTmuxNotice, startDetached } from './launch.js';
import { openLogger } from './logger.js';
import type { HostRunFacts, RunResult, RunState } from './results.js';
import { connectSession, openSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';
import { slurmStateOfExit } from '../remote/slurm-script.js';

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
  // Bound before the sync and the job: a local port in use stops the run before either.
  const { holdForwards } = await import('./forwards.js');
  const forwards = await holdForwards(ctx, run.host, plan.projectRoot, logger, run.forwards);
  const end = await runOnHost(ctx, session, run, plan).finally(() => forwards?.close());
  const host = { name: session.server.name, code: end.code, ms: Date.now() - started, ...(end.run ? { run: end.run } : {}) };
  return { exitCode: end.code, job: run.job.name, detached: plan.detach, hosts: [host] };
}

async function runOnHost(ctx: Context, session: Session, run: HostRunPlan, plan: RunPlan): Promise<{ code: number; run?: HostRunFacts }> {
  // Scanning, connecting and (with a trusted host key) rsync overlap instead of queueing.
  const tree = run.sync.enabled ? scanLater(session) : undefined;
  tree?.catch(() => undefined);
  const connecting = connectSession(session, ctx);
  connecting.catch(() => undefined);
  const closeLater = () => void connecting.then((c) => c.close(), () => undefined);
  let sync: SyncStats | null = null;
  // A batch job's exec goes out while the sync runs and starts the job once it is done.
  const ahead = tree && !plan.session && run.job.mode === 'batch' ? launchBatchAfterSync(ctx, connecting, session, run.job, plan) : undefined;
  if (tree) {
    const end = await runSyncStep(ctx, session, connecting, run.sync, tree).catch((error: unknown) => {
      ahead?.open(false);
      closeLater();
      throw error;
    });
    if (end.stopped) {
      ahead?.open(false);
      closeLater();
      return { code: end.exitCode };
    }
    sync = end.stats;
  }
  ahead?.open(true);
  const connection = await connecting;
  const facts = (state: RunState, output?: HostRunFacts['output'], code?: number): HostRunFacts => {
    // A code of a job Slurm ended names its state (remote/slurm-script.ts makes those codes).
    const slurmState = session.server.slurm && state === 'ended' && code !== undefined ? slurmStateOfExit(code) : undefined;
    return { job: run.job.name, state, sync, ...(output ? { output } : {}), ...(slurmState ? { slurmState } : {}) };
  };
  try {
    if (plan.session) {
      const { runSessionCommand } = await import('./session-run.js');
      const { bounds, output } = await batchBounds(plan);
      const end = await runSessionCommand(ctx, connection, session, run.job, plan.session, bounds);
      return { code: end.code, run: facts(end.state, output?.()) };
    }
    switch (run.job.mode) {
      case 'detached': {
        const slurmJobId = await startDetached(connection, session, run.job);
        return { code: 0, run: { ...facts('running'), ...(slurmJobId === undefined ? {} : { slurmJobId }) } };
      }
      case 'batch': {
        if (ahead) {
          const { end, output } = await ahead.end;
          return { code: end.code, run: facts(end.state, output?.()) };
        }
        const { bounds, output } = await batchBounds(plan);
        const end = await launchBatch(ctx, connection, session, run.job, bounds);
        return { code: end.code, run: facts(end.state, output?.(), end.code) };
      }
      case 'interactive': {
        const end = await runAttached(ctx, connection, session, run, plan.timeoutSeconds);
        return { code: end.code, run: facts(end.state, undefined, end.code) };
      }
    }
  } finally {
    connection.close();
  }
}

async function scanLater(session: Session) {
  const { scanProject } = await import('../sync/sync-project.js');
  return scanProject(session.server, session.projectRoot);
}

async function runAttached(ctx: Context, connection: Host, session: Session, run: HostRunPlan, timeoutSeconds: number | undefined): Promise<{ code: number; state: RunState }> {
  const { startJob } = await import('../jobs/remote.js');
  const { startSpecOf } = await import('../plan/start-spec.js');
  const started = await startJob(connection, startSpecOf(run.job, new Date()));
  session.logger.debug(`job ${run.job.name}: ${started}`);
  if (started === 'no-tmux') {
    ctx.stderr.write(noTmuxNotice(session.server.name));
    return { code: await interactDirect(ctx, connection, run.job.fallback), state: 'ended' };
  }
  const { attachInteractive } = await import('../exec/attach.js');
  const timer = createJobTimer(connection, run.job.name, timeoutSeconds, session.logger, session.server.killGrace);
  timer.start();
  try {
    const code = await attachInteractive(ctx, connection, run.job.name);
    if (!timer.timedOut()) return { code, state: 'ended' };
    ctx.stderr.write(timeoutNotice(run.job.name, timeoutSeconds ?? 0));
    return { code: EXIT.timeout, state: 'timeout' };
  } finally {
    timer.clear();
  }
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
