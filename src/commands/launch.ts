import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import { signalJob, startJob, type LaunchResult } from '../jobs/remote.js';
import { startSpecOf } from '../jobs/start-spec.js';
import { streamJob } from '../jobs/stream-job.js';
import type { JobPlan } from '../plan/types.js';
import type { Host } from '../host/types.js';
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
  let launch: LaunchResult | undefined;
  let stoppedBy: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => {
    if (stoppedBy || launch !== 'started') return connection.close();
    stoppedBy = signal;
    session.logger.debug(`${signal}: stopping job ${job.name}`);
    signalJob(connection, job.name, signal === 'SIGINT' ? 'INT' : 'TERM').catch(() => connection.close());
  });
  try {
    const result = await streamJob(ctx, connection, startSpecOf(job, new Date()), {
      fallback: job.fallback,
      lostMessage: `connection lost; job ${job.name} goes on on the server: \`mtr --attach ${job.name}\` or \`mtr --logs ${job.name}\``,
      onLaunch: (status) => {
        launch = status;
        if (status === 'no-tmux') ctx.stderr.write(noTmuxNotice(session.server.name));
        session.logger.debug(`job ${job.name}: ${status}`);
      },
    });
    if (result.stdoutGone && launch === 'started') await stopJobOfGoneReader(connection, session, job.name);
    return stoppedBy && !result.stdoutGone ? SIGNAL_EXIT[stoppedBy] : result.code;
  } finally {
    removeSignals();
  }
}

/** --detach: start the job and return; it runs on in tmux. */
export async function startDetached(connection: Host, session: Session, job: JobPlan): Promise<void> {
  const started = await startJob(connection, startSpecOf(job, new Date()));
  session.logger.debug(`job ${job.name}: ${started}`);
  if (started === 'no-tmux') {
    throw new UsageError(`tmux is not installed on ${session.server.name}, so --detach cannot keep a job running`, 'install tmux on the server, or run without --detach');
  }
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
