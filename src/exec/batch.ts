import type { ExecClient } from './exec-client.js';
import type { Client, ClientChannel } from 'ssh2';
import type { Context } from '../context.js';
import { ConnectionError, EXIT } from '../errors.js';
import { exitStatusFrom } from './exit-status.js';
import { execCommand } from './staged-exec.js';

export interface BatchResult {
  /** Exit status to end with. */
  code: number;
  /** Our stdout's reader went away (`mtr … | head`): we stopped reading, code is 141. */
  stdoutGone?: boolean;
}

/** What a shell reports for a pipeline member killed by SIGPIPE; node cannot die of it itself. */
export const BROKEN_PIPE_EXIT = EXIT.brokenPipe;

export interface BatchOptions {
  /** Called once the channel is open, so signal handlers can stop the remote command. */
  onChannel?: (channel: ClientChannel) => void;
  /** Said on stderr when the link drops before the command ended. */
  lostMessage?: string;
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
}

function openExec(client: ExecClient, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    execCommand(client, command, { pty: false }, (error, channel) =>
      error ? reject(new ConnectionError(`could not start the remote command: ${error.message}`, undefined, error)) : resolve(channel),
    );
  });
}

// Runs one command without a PTY: remote stdout → stdout and stderr → stderr byte for byte, piped
// stdin forwarded (else EOF at once), and the remote exit status as ours. The exit code arrives on
// 'exit' but we finish on 'close', after the last data.
export async function runBatch(client: ExecClient, command: string, ctx: Context, options: BatchOptions = {}): Promise<BatchResult> {
  const channel = await openExec(client, command);
  options.onChannel?.(channel);
  return new Promise((resolve) => {
    let status: number | null = null;
    let settled = false;
    // Job commands hold stdin (never read it): only a run forwards piped data.
    const forwardStdin = ctx.stdinIsData && !options.holdStdin;
    const settle = (result: BatchResult): void => {
      if (settled) return;
      settled = true;
      ctx.stdout.off('error', onStdoutError);
      if (forwardStdin) {
        ctx.stdin.unpipe(channel);
        ctx.stdin.destroy();
      }
      resolve(result);
    };
    // The reader went away (`mtr cat big | head`): end like SIGPIPE would, at once. Unread data
    // is dropped (an ssh2 channel holding it never emits 'close'), and the channel is closed
    // without waiting for the server's answer, which may never come on a bad link.
    const stopReading = (): void => {
      settle({ code: BROKEN_PIPE_EXIT, stdoutGone: true });
      channel.unpipe(ctx.stdout);
      channel.resume();
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
      ctx.stdin.pipe(channel);
    } else if (!options.holdStdin) {
      channel.end();
    }
    channel.on('exit', (code: number | null, signal?: string) => {
      status = exitStatusFrom(code, signal);
    });
    channel.on('close', () => {
      if (settled) return;
      if (output.goneBeforeHeader()) return settle({ code: BROKEN_PIPE_EXIT, stdoutGone: true });
      if (status === null) {
        if (!options.closedOnPurpose?.()) ctx.stderr.write(`mtr: ${options.lostMessage ?? 'connection lost before the remote command finished'}\n`);
        return settle({ code: EXIT.transport });
      }
      settle({ code: status });
    });
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
function forwardOutput(channel: ClientChannel, ctx: Context, onHeader: BatchOptions['onHeader'], stop: () => void): Forwarding {
  let seen = !onHeader;
  let gone = false;
  if (!onHeader) {
    channel.pipe(ctx.stdout, { end: false });
  } else {
    channel.once('data', (first: Buffer) => {
      seen = true;
      const started = onHeader(first.toString('latin1', 0, 1));
      if (gone) return stop();
      if (!started) return;
      if (first.length > 1) ctx.stdout.write(first.subarray(1));
      channel.pipe(ctx.stdout, { end: false });
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
