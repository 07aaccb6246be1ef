import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { Host, HostChannel } from '../host/types.js';
import { startSpecOf } from '../plan/start-spec.js';
import { streamJob, type StreamedJob } from '../jobs/stream-job.js';
import type { JobPlan } from '../plan/types.js';
import { buildStopScript, runJobName } from './restart-plan.js';

// Opens channels: the command of `mtr --watch <command>` as a series of tmux jobs, one per run, each
// started and streamed in one exec (like a batch `mtr cmd`) and stopped gracefully before the next.

/** After the stop script, how long the old run's stream may take to deliver its last output. */
const DRAIN_MS = 1500;

export interface JobRunnerOptions {
  /** stdout/stderr receive each run's output; stdin is never forwarded (runs restart). */
  ctx: Context;
  /** The planned job; run n is named `<name>-<n>`. */
  job: JobPlan;
  /** The server's kill_grace (seconds between the stop signals); unset, STOP_GRACE_SECONDS. */
  killGrace?: number;
  /** A run ended by itself (not stopped by us, not cut off by a dropped link): its exit status. */
  onEnd: (run: number, code: number) => void;
  /** The run could not start (no tmux, launch failure). */
  onStartError: (error: unknown) => void;
}

interface Run {
  run: number;
  name: string;
  done: Promise<StreamedJob | undefined>;
  launched: Promise<boolean>;
  ended: boolean;
  /** The stream was cut by the link, not by the job's end: the job may still run remotely. */
  lost: boolean;
  stopping: boolean;
  /** The exec reported an exit status (so a 255 is the job's own, not a lost link). */
  exited: boolean;
  channel?: HostChannel;
}

export interface JobRunner {
  /** Starts run n+1; resolves once the server says whether it started. */
  start(connection: Host): Promise<boolean>;
  /** Stops the current run (SIGINT, SIGTERM, SIGKILL) and waits for its output to end. */
  stop(connection: Host): Promise<void>;
  /** A run is going (or was when the link dropped). */
  readonly running: boolean;
  readonly runs: number;
  readonly currentName: string | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const streamCtx: Context = { ...options.ctx, stdinIsData: false };
  let runs = 0;
  let current: Run | undefined;

  const start = async (connection: Host): Promise<boolean> => {
    const run = ++runs;
    const name = runJobName(options.job.name, run);
    const spec = startSpecOf({ ...options.job, name }, new Date());
    let markLaunched: (ok: boolean) => void = () => undefined;
    const launched = new Promise<boolean>((resolve) => (markLaunched = resolve));
    const job: Run = { run, name, launched, ended: false, lost: false, stopping: false, exited: false, done: Promise.resolve(undefined) };
    current = job;
    job.done = streamJob(streamCtx, connection, spec, {
      lostMessage: `connection lost; job ${name} goes on on the server until mtr reconnects and restarts it`,
      onLaunch: (launch) => markLaunched(launch === 'started'),
      onChannel: (channel) => {
        job.channel = channel;
        channel.once('exit', () => (job.exited = true));
      },
    }).then(
      (result) => {
        job.ended = true;
        job.lost = !job.exited;
        markLaunched(false);
        if (result.launch === 'no-tmux') {
          options.onStartError(new UsageError(`tmux is not installed on ${options.job.server}, so --watch cannot stop and restart the command`, 'install tmux on the server, or use `mtr --watch` without a command'));
        } else if (result.launch === undefined && !job.lost) {
          options.onStartError(new UsageError(`could not start ${name} on ${options.job.server} (exit ${result.code})`));
        } else if (result.launch !== undefined && !job.stopping && !job.lost) {
          options.onEnd(run, result.code);
        }
        return result;
      },
      (error: unknown) => {
        job.ended = true;
        markLaunched(false);
        options.onStartError(error);
        return undefined;
      },
    );
    return launched;
  };

  const stop = async (connection: Host): Promise<void> => {
    const job = current;
    if (!job || (job.ended && !job.lost)) return;
    job.stopping = true;
    if (!job.ended) await job.launched;
    await connection.capture(buildStopScript(job.name, options.killGrace)).catch(() => undefined);
    if (!job.ended) await Promise.race([job.done, sleep(DRAIN_MS)]);
    if (!job.ended) {
      job.channel?.close();
      await Promise.race([job.done, sleep(DRAIN_MS)]);
    }
    job.lost = false;
  };

  return {
    start,
    stop,
    get running() {
      return Boolean(current && (!current.ended || current.lost));
    },
    get runs() {
      return runs;
    },
    get currentName() {
      return current?.name;
    },
  };
}
