import type { Writable } from 'node:stream';
import type { Context } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import { awaitSlurmJobId, signalJob, startJob, type LaunchResult } from '../jobs/remote.js';
import { startSpecOf } from '../plan/start-spec.js';
import { streamJob } from '../jobs/stream-job.js';
import type { JobPlan, RunPlan } from '../plan/types.js';
import type { Host } from '../host/types.js';
import { createJobTimer, timeoutNotice } from './job-timeout.js';
import type { HostRunFacts, RunState } from './results.js';
import type { Session } from './session.js';

// Starting a planned job on a connected host: batch (started and streamed in one exec) or detached.
// Shared by `mtr cmd` (run.ts) and each host of a fan-out (fanout.ts).

export function noTmuxNotice(server: string): string {
  return `mtr: tmux not found on ${server}; running without a job (it stops if the connection drops)\n`;
}

// Batch run in one exec: start the job and stream it (or, without tmux, run it directly); resolves
// with the exit code. Ctrl+C / SIGTERM stop the job's process group; a second Ctrl+C stops waiting.
// A dropped link leaves the job running. A reader that went away (`mtr cmd | head`) stops the job
// too, as `ssh host cmd | head` would (there by SIGPIPE; here by SIGTERM, which a program ignoring
// SIGPIPE still obeys), and the code is 141.
export async function launchAndStream(ctx: Context, connection: Host, session: Session, job: JobPlan): Promise<number> {
  return (await launchBatch(ctx, connection, session, job)).code;
}

export interface BatchBounds {
  /** --timeout: stop the job past this many seconds; the code is 124 then. */
  timeoutSeconds?: number;
  /** --json: where the job's output goes instead of ctx's streams. */
  output?: { stdout: Writable; stderr: Writable };
}

/** How a batch run ended, for its --json record. */
export interface BatchEnd {
  code: number;
  state: RunState;
  /** The gate said no: nothing was started. */
  cancelled?: boolean;
}

// launchAndStream with the bounds of --timeout and --json, and how the run ended. With `gate`, the
// exec goes out now and the job starts once the gate says true (the sync is done); until then
// Ctrl+C is the sync's. A gate that says false ends it with nothing started (`cancelled`).
export async function launchBatch(ctx: Context, connection: Host, session: Session, job: JobPlan, bounds: BatchBounds = {}, gate?: Promise<boolean>): Promise<BatchEnd> {
  let launch: LaunchResult | undefined;
  let stoppedBy: StopSignal | undefined;
  const timer = createJobTimer(connection, job.name, bounds.timeoutSeconds, session.logger, session.server.killGrace);
  const streams: Context = bounds.output ? { ...ctx, stdout: bounds.output.stdout, stderr: bounds.output.stderr } : ctx;
  let finished = false;
  let removeSignals = (): void => undefined;
  const listen = () => {
    if (finished) return;
    removeSignals = onStopSignals((signal) => {
      if (stoppedBy || launch !== 'started') return connection.close();
      stoppedBy = signal;
      session.logger.debug(`${signal}: stopping job ${job.name}`);
      signalJob(connection, job.name, signal === 'SIGINT' ? 'INT' : 'TERM').catch(() => connection.close());
    });
  };
  if (gate) void gate.then((go) => go && listen(), () => undefined);
  else listen();
  try {
    const result = await streamJob(streams, connection, startSpecOf(job, new Date()), {
      ...(gate ? { gate } : {}),
      fallback: job.fallback,
      lostMessage: `connection lost; job ${job.name} goes on on the server: \`mtr --attach ${job.name}\` or \`mtr --logs ${job.name}\``,
      notes: ctx.stderr,
      onLaunch: (status) => {
        launch = status;
        if (status === 'no-tmux') ctx.stderr.write(noTmuxNotice(session.server.name));
        session.logger.debug(`job ${job.name}: ${status}`);
        if (status === 'started') timer.start();
      },
    });
    if (result.cancelled) return { code: 0, state: 'ended', cancelled: true };
    if (result.stdoutGone && launch === 'started') await stopJobOfGoneReader(connection, session, job.name);
    if (timer.timedOut()) {
      ctx.stderr.write(timeoutNotice(job.name, bounds.timeoutSeconds ?? 0));
      return { code: EXIT.timeout, state: 'timeout' };
    }
    if (stoppedBy && !result.stdoutGone) return { code: SIGNAL_EXIT[stoppedBy], state: 'stopped' };
    return { code: result.code, state: 'ended' };
  } finally {
    finished = true;
    timer.clear();
    removeSignals();
  }
}

/** --json and --timeout of a batch run: where its output goes and how to read it back. */
export async function batchBounds(plan: RunPlan): Promise<{ bounds: BatchBounds; output?: () => NonNullable<HostRunFacts['output']> }> {
  const timeout = plan.timeoutSeconds === undefined ? {} : { timeoutSeconds: plan.timeoutSeconds };
  if (!plan.json) return { bounds: timeout };
  const { createCollector } = await import('../exec/collect.js');
  const stdout = createCollector(plan.json.maxOutput);
  const stderr = createCollector(plan.json.maxOutput);
  return {
    bounds: { ...timeout, output: { stdout: stdout.stream, stderr: stderr.stream } },
    output: () => ({ stdout: stdout.result(), stderr: stderr.result() }),
  };
}

/** --detach: start the job and return; it runs on in tmux. */
// On a Slurm cluster sbatch answers inside the job: its job id comes back (for --json and MCP), and
// a job that ended before Slurm took it fails the run. Elsewhere: undefined.
export async function startDetached(connection: Host, session: Session, job: JobPlan): Promise<number | undefined> {
  const started = await startJob(connection, startSpecOf(job, new Date()));
  session.logger.debug(`job ${job.name}: ${started}`);
  if (started === 'no-tmux') {
    throw new UsageError(`tmux is not installed on ${session.server.name}, so --detach cannot keep a job running`, 'install tmux on the server, or run without --detach');
  }
  if (!session.server.slurm) return undefined;
  return awaitSlurmJobId(connection, job.name);
}

/** Longest wait for the stop request of a job whose reader went away; the run ends regardless. */
const STOP_ON_GONE_READER_MS = 5000;

async function stopJobOfGoneReader(connection: Host, session: Session, name: string): Promise<void> {
  session.logger.debug(`stdout closed by its reader: stopping job ${name}`);
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_ON_GONE_READER_MS)));
  try {
    await Promise.race([signalJob(connection, name, 'TERM').catch(() => undefined), giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** A batch launch sent ahead of the sync (see launchBatch's gate): open(true) starts the job. */
export interface GatedBatch {
  open(go: boolean): void;
  readonly end: Promise<{ end: BatchEnd; output?: () => NonNullable<HostRunFacts['output']> }>;
}

// The launch's channel opens while the sync runs, so after the sync the job is one line away
// instead of a channel open and an exec. Only a batch run that syncs first uses it.
export function launchBatchAfterSync(ctx: Context, connecting: Promise<Host>, session: Session, job: JobPlan, plan: RunPlan): GatedBatch {
  let open: (go: boolean) => void = () => undefined;
  const gate = new Promise<boolean>((resolve) => (open = resolve));
  const end = connecting.then(async (connection) => {
    const { bounds, output } = await batchBounds(plan);
    return { end: await launchBatch(ctx, connection, session, job, bounds, gate), ...(output ? { output } : {}) };
  });
  end.catch(() => undefined);
  return { open, end };
}
