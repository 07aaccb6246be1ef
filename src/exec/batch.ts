import type { Context } from '../context.js';
import { ConnectionError, EXIT } from '../errors.js';
import type { HostChannel, HostExec } from '../host/types.js';

export interface BatchResult {
  /** Exit status to end with. */
  code: number;
  /** Our stdout's reader went away (`mtr … | head`): we stopped reading, code is 141. */
  stdoutGone?: boolean;
  /** The link dropped (or was closed) before the command said how it ended; code is 255. */
  lost?: boolean;
  /** The gate said no: the channel was closed before the command began. */
  cancelled?: boolean;
}

/** What a shell reports for a pipeline member killed by SIGPIPE; node cannot die of it itself. */
export const BROKEN_PIPE_EXIT = EXIT.brokenPipe;

export interface BatchOptions {
  /** Called once the channel is open, so signal handlers can stop the remote command. */
  onChannel?: (channel: HostChannel) => void;
  /** Said on stderr when the link drops before the command ended. */
  lostMessage?: string;
  /** Where mtr's own notes go when ctx.stderr collects the command's (--json); default ctx.stderr. */
  notes?: NodeJS.WritableStream;
  /**
   * Job commands: never read mtr's stdin (whatever it is: a pipe left open or closed, a file) and
   * keep the channel's stdin open (no EOF) until the end: the remote script watches it for the
   * client's death.
   */
  holdStdin?: boolean;
  /** True when we closed the link on purpose (a timeout): no "connection lost" note then. */
  closedOnPurpose?: () => boolean;
  /**
   * The first stdout byte is a status from the remote script, not output: it is handed here and
   * stripped. Returning false stops forwarding the rest (the run did not start).
   */
  onHeader?: (status: string | undefined) => boolean;
  /**
   * The command was sent ahead and waits for a line on its stdin: this gives that line (written
   * before anything else goes to stdin), or undefined to close the channel instead. The result is
   * then `{ code: 0, cancelled: true }`.
   */
  gate?: Promise<string | undefined>;
}

async function openExec(host: HostExec, command: string): Promise<HostChannel> {
  try {
    return await host.exec(command);
  } catch (error) {
    throw new ConnectionError(`could not start the remote command: ${(error as Error).message}`, undefined, error);
  }
}

// Runs one command without a PTY: remote stdout → stdout and stderr → stderr byte for byte, piped
// stdin forwarded (else EOF at once), and the remote exit status as ours. The exit code arrives on
// 'exit' but we finish on 'close', after the last data.
export async function runBatch(host: HostExec, command: string, ctx: Context, options: BatchOptions = {}): Promise<BatchResult> {
  const channel = await openExec(host, command);
  options.onChannel?.(channel);
  let status: number | null = null;
  channel.on('exit', (exitStatus) => {
    status = exitStatus;
  });
  let closedEarly = false;
  let waiting = true;
  channel.once('close', () => {
    if (waiting) closedEarly = true;
  });
  if (options.gate) {
    // Nothing reads the channel while it waits: what the login shell may say stays buffered, in order.
    const opening = await options.gate.catch(() => undefined);
    if (opening === undefined) {
      channel.close();
      return { code: 0, cancelled: true };
    }
    if (!closedEarly) channel.stdin.write(opening);
  }
  waiting = false;
  return new Promise((resolve) => {
    let settled = false;
    // Job commands hold stdin (never read it): only a run forwards piped data.
    const forwardStdin = ctx.stdinIsData && !options.holdStdin;
    const settle = (result: BatchResult): void => {
      if (settled) return;
      settled = true;
      ctx.stdout.off('error', onStdoutError);
      if (forwardStdin) {
        ctx.stdin.unpipe(channel.stdin);
        ctx.stdin.destroy();
      }
      resolve(result);
    };
    // The reader went away (`mtr cat big | head`): end like SIGPIPE would, at once. Unread data
    // is dropped (an ssh2 channel holding it never emits 'close'), and the channel is closed
    // without waiting for the server's answer, which may never come on a bad link.
    const stopReading = (): void => {
      settle({ code: BROKEN_PIPE_EXIT, stdoutGone: true });
      channel.stdout.unpipe(ctx.stdout);
      channel.stdout.resume();
      channel.close();
    };
    // Before the status byte we cannot tell whether a job started (and must be stopped): wait for it.
    const output = forwardOutput(channel, ctx, options.onHeader, stopReading);
    function onStdoutError(error: NodeJS.ErrnoException): void {
      if (error.code === 'EPIPE') output.readerGone();
    }
    ctx.stdout.on('error', onStdoutError);
    channel.stderr.pipe(ctx.stderr, { end: false });
    if (forwardStdin) {
      ctx.stdin.pipe(channel.stdin);
    } else if (!options.holdStdin) {
      channel.stdin.end();
    }
    const onClose = () => {
      if (settled) return;
      if (output.goneBeforeHeader()) return settle({ code: BROKEN_PIPE_EXIT, stdoutGone: true });
      if (status === null) {
        if (!options.closedOnPurpose?.()) (options.notes ?? ctx.stderr).write(`mtr: ${options.lostMessage ?? 'connection lost before the remote command finished'}\n`);
        return settle({ code: EXIT.transport, lost: true });
      }
      settle({ code: status });
    };
    if (closedEarly) onClose();
    else channel.on('close', onClose);
    // Gone before we started (a later host of a fan-out): a destroyed stream reports nothing more.
    if (ctx.stdout.destroyed) output.readerGone();
  });
}

interface Forwarding {
  /** Our stdout's reader is gone: stop now, or once the status byte is in. */
  readerGone(): void;
  /** The channel closed before the status byte while the reader was already gone. */
  goneBeforeHeader(): boolean;
}

// Pipes the channel's stdout to ours, after handing the status byte (when there is one) to onHeader.
function forwardOutput(channel: HostChannel, ctx: Context, onHeader: BatchOptions['onHeader'], stop: () => void): Forwarding {
  let seen = !onHeader;
  let gone = false;
  if (!onHeader) {
    channel.stdout.pipe(ctx.stdout, { end: false });
  } else {
    channel.stdout.once('data', (first: Buffer) => {
      seen = true;
      const started = onHeader(first.toString('latin1', 0, 1));
      if (gone) return stop();
      if (!started) return;
      if (first.length > 1) ctx.stdout.write(first.subarray(1));
      channel.stdout.pipe(ctx.stdout, { end: false });
    });
    channel.once('close', () => {
      if (!seen) onHeader(undefined);
    });
  }
  return {
    readerGone: () => {
      gone = true;
      if (seen) stop();
    },
    goneBeforeHeader: () => gone && !seen,
  };
}

