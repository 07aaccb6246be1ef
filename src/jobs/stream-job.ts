import type { Context } from '../context.js';
import { runBatch } from '../exec/batch.js';
import type { Host, HostChannel } from '../host/types.js';
import { buildLaunchScript, LAUNCH_GO, type StartSpec } from '../remote/job-script.js';
import { interpretLaunchStatus, type LaunchResult } from './remote.js';

// Opens a channel: start a batch job and stream its output in one exec, for `mtr cmd` (commands/
// launch.ts), fan-out hosts and each run of `mtr --watch cmd` (watch/job-runner.ts).

export interface StreamJobOptions {
  /** Without tmux: the command line to run directly (omit to only report 'no-tmux'). */
  fallback?: string;
  /** Said on stderr when the link drops before the job ended. */
  lostMessage: string;
  /** Where mtr's own notes go when ctx.stderr collects the job's (--json). */
  notes?: NodeJS.WritableStream;
  /** The launch status, as soon as the first byte arrives (before any output). */
  onLaunch?: (launch: LaunchResult) => void;
  onChannel?: (channel: HostChannel) => void;
  /**
   * Open the exec now but start the job only once this says true (the sync before it is done):
   * the channel's setup then costs no time after the sync. False closes it, nothing started.
   */
  gate?: Promise<boolean>;
}

export interface StreamedJob {
  /** The job's exit status (255 when the link dropped). */
  code: number;
  /** undefined when the exec ended before the status byte. */
  launch: LaunchResult | undefined;
  /** Our stdout's reader went away (`mtr … | head`); code is 141. */
  stdoutGone: boolean;
  /** The gate said no: nothing was started. */
  cancelled?: boolean;
}

// Starts the job and streams its output in one exec; rejects when the job could not start.
export async function streamJob(ctx: Context, connection: Host, spec: StartSpec, options: StreamJobOptions): Promise<StreamedJob> {
  let launch: LaunchResult | undefined;
  let launchError: unknown;
  const script = buildLaunchScript(spec, { stream: { feedStdin: spec.wrapper.stdinFifo }, gate: Boolean(options.gate), ...(options.fallback ? { fallback: options.fallback } : {}) });
  let channel: HostChannel | undefined;
  const result = await runBatch(connection, script, ctx, {
    lostMessage: options.lostMessage,
    ...(options.notes ? { notes: options.notes } : {}),
    // The stream part watches its stdin for our death; the no-tmux fallback gets EOF instead.
    holdStdin: !spec.wrapper.stdinFifo,
    ...(options.gate ? { gate: options.gate.then((go) => (go ? `${LAUNCH_GO}\n` : undefined)) } : {}),
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
  return { code: result.code, launch, stdoutGone: result.stdoutGone === true, ...(result.cancelled ? { cancelled: true } : {}) };
}

