import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import { onStopSignals } from '../exec/signals.js';
import type { JobPlan, WatchPlan } from '../plan/types.js';
import { commandLine } from '../remote/command.js';
import type { JobRunner } from '../watch/job-runner.js';
import { createWatchStatus } from '../watch/status.js';
import { openLogger } from './logger.js';
import type { WatchResult } from './results.js';
import { openSession } from './session.js';

// `mtr --watch [command…]`: sync now, then on every change over one kept-open connection; with a
// command, run it as a job and restart it after each sync. Ctrl+C (or SIGTERM) stops the command
// gracefully and ends with 0; a second Ctrl+C stops waiting for that (exit 130, `abandoned`).
export async function runWatch(ctx: Context, plan: WatchPlan): Promise<WatchResult> {
  const session = openSession(plan.host, plan.projectRoot, openLogger(plan.log, ctx));
  const { server, logger } = session;
  const status = createWatchStatus(ctx, { live: plan.status.live, quiet: plan.status.quiet, target: server.name });
  logger.debug(`mtr watch: server=${server.name} argv=${JSON.stringify(plan.job?.argv ?? [])}`);

  let fatal: { error: unknown } | undefined;
  let wake: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (wake = resolve));
  const fail = (error: unknown) => {
    fatal ??= { error };
    wake();
  };
  let force: () => void = () => undefined;
  const forced = new Promise<void>((resolve) => (force = resolve));
  const runner = plan.job ? await createRunner(ctx, plan.job, server.killGrace, status.line, fail) : undefined;
  const { createWatchLoop } = await import('../watch/loop.js');
  const { openHost } = await import('../host/open.js');
  const { sshHostPlan } = await import('../plan/host-plan.js');
  // A dedicated ssh2 connection (not a shared master): it carries SFTP and outlives many syncs.
  const loop = createWatchLoop({
    ctx,
    session,
    status,
    deleteRemote: plan.sync.delete,
    connect: () => openHost(sshHostPlan(plan.host), ctx, logger),
    ...(runner ? { runner } : {}),
    fail,
  });
  let signals = 0;
  const removeSignals = onStopSignals((signal) => {
    logger.debug(`watch: ${signal}`);
    if (++signals > 1) force();
    wake();
  });
  void loop.start().catch(fail);
  try {
    await ended;
    const stopped = await Promise.race([loop.stop().then(() => true), forced.then(() => false)]);
    if (!stopped) {
      loop.abandon();
      return { exitCode: EXIT.sigint, abandoned: true };
    }
  } finally {
    removeSignals();
  }
  if (fatal) throw fatal.error;
  return { exitCode: 0, abandoned: false };
}

async function createRunner(ctx: Context, job: JobPlan, killGrace: number | undefined, say: (text: string) => void, fail: (error: unknown) => void): Promise<JobRunner> {
  const { createJobRunner } = await import('../watch/job-runner.js');
  const shown = commandLine(job.argv);
  return createJobRunner({
    ctx,
    job,
    ...(killGrace === undefined ? {} : { killGrace }),
    onEnd: (_run, code) => say(`\`${shown}\` exited with code ${code}; waiting for changes`),
    onStartError: fail,
  });
}
