import path from 'node:path';
import type { Context } from '../context.js';
import { ExitError } from '../errors.js';
import { runBatch } from '../exec/batch.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import { interpretLaunchStatus, signalJob, type LaunchResult } from '../jobs/remote.js';
import { buildLaunchScript, type StartSpec } from '../remote/job-script.js';
import type { Host, HostChannel } from '../host/types.js';
import type { Session } from './session.js';

// The one-exec batch launch shared by `mtr cmd` (run.ts) and `mtr --watch cmd` (watch.ts).

// The cwd's place inside the project, as a POSIX path to append to remote_dir.
export function projectSubdir(projectRoot: string, cwd: string): string {
  return path.relative(projectRoot, cwd).split(path.sep).join('/');
}

export function noTmuxNotice(server: string): string {
  return `mtr: tmux not found on ${server}; running without a job (it stops if the connection drops)\n`;
}

export interface StreamJobOptions {
  /** Without tmux: the command line to run directly (omit to only report 'no-tmux'). */
  fallback?: string;
  /** Said on stderr when the link drops before the job ended. */
  lostMessage: string;
  /** The launch status, as soon as the first byte arrives (before any output). */
  onLaunch?: (launch: LaunchResult) => void;
  onChannel?: (channel: HostChannel) => void;
}

export interface StreamedJob {
  /** The job's exit status (255 when the link dropped). */
  code: number;
  /** undefined when the exec ended before the status byte. */
  launch: LaunchResult | undefined;
  /** Our stdout's reader went away (`mtr … | head`); code is 141. */
  stdoutGone: boolean;
}

// Starts the job and streams its output in one exec; rejects when the job could not start.
export async function streamJob(ctx: Context, connection: Host, spec: StartSpec, options: StreamJobOptions): Promise<StreamedJob> {
  let launch: LaunchResult | undefined;
  let launchError: unknown;
  const script = buildLaunchScript(spec, { stream: { feedStdin: spec.wrapper.stdinFifo }, ...(options.fallback ? { fallback: options.fallback } : {}) });
  let channel: HostChannel | undefined;
  const result = await runBatch(connection, script, ctx, {
    lostMessage: options.lostMessage,
    // The stream part watches its stdin for our death; the no-tmux fallback gets EOF instead.
    holdStdin: !spec.wrapper.stdinFifo,
    onChannel: (opened) => {
      channel = opened;
      options.onChannel?.(opened);
    },
    onHeader: (status) => {
      if (status === undefined) return false;
      try {
        launch = interpretLaunchStatus(status, spec.name);
      } catch (error) {
        launchError = error;
        return false;
      }
      if (launch === 'no-tmux' && !ctx.stdinIsData) channel?.stdin.end();
      options.onLaunch?.(launch);
      return true;
    },
  });
  if (launchError) throw launchError;
  return { code: result.code, launch, stdoutGone: result.stdoutGone === true };
}

// Batch run in one exec: start the job and stream it (or, without tmux, run it directly).
// Ctrl+C / SIGTERM stop the job's process group; a second Ctrl+C stops waiting. A dropped link
// leaves the job running. A reader that went away (`mtr cmd | head`) stops the job too, as
// `ssh host cmd | head` would (there by SIGPIPE; here by SIGTERM, which a program ignoring SIGPIPE
// still obeys), and we end with 141.
export async function launchAndStream(ctx: Context, connection: Host, session: Session, spec: StartSpec, fallback: string): Promise<void> {
  let launch: LaunchResult | undefined;
  let stoppedBy: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => {
    if (stoppedBy || launch !== 'started') return connection.close();
    stoppedBy = signal;
    session.logger.debug(`${signal}: stopping job ${spec.name}`);
    signalJob(connection, spec.name, signal === 'SIGINT' ? 'INT' : 'TERM').catch(() => connection.close());
  });
  try {
    const result = await streamJob(ctx, connection, spec, {
      fallback,
      lostMessage: `connection lost; job ${spec.name} goes on on the server: \`mtr --attach ${spec.name}\` or \`mtr --logs ${spec.name}\``,
      onLaunch: (status) => {
        launch = status;
        if (status === 'no-tmux') ctx.stderr.write(noTmuxNotice(session.server.name));
        session.logger.debug(`job ${spec.name}: ${status}`);
      },
    });
    if (result.stdoutGone && launch === 'started') await stopJobOfGoneReader(connection, session, spec.name);
    const code = stoppedBy && !result.stdoutGone ? SIGNAL_EXIT[stoppedBy] : result.code;
    if (code !== 0) throw new ExitError(code);
  } finally {
    removeSignals();
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
