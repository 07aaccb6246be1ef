import type { ExecClient } from './exec-client.js';
import type { Client, ClientChannel } from 'ssh2';
import type { Context } from '../context.js';
import { ConnectionError, EXIT } from '../errors.js';
import { exitStatusFrom } from './exit-status.js';

export interface BatchResult {
  /** Exit status to end with. */
  code: number;
}

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
    client.exec(command, { pty: false }, (error, channel) =>
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
    let brokenPipe = false;
    channel.on('exit', (code: number | null, signal?: string) => {
      status = exitStatusFrom(code, signal);
    });
    const onStdoutError = (error: NodeJS.ErrnoException) => {
      // The reader went away (`mtr cat big | head`): stop the remote side and end like SIGPIPE would.
      if (error.code === 'EPIPE') {
        brokenPipe = true;
        channel.close();
      }
    };
    ctx.stdout.on('error', onStdoutError);
    if (options.onHeader) {
      const onHeader = options.onHeader;
      let seen = false;
      channel.once('data', (first: Buffer) => {
        seen = true;
        if (!onHeader(first.toString('latin1', 0, 1))) return;
        if (first.length > 1) ctx.stdout.write(first.subarray(1));
        channel.pipe(ctx.stdout, { end: false });
      });
      channel.once('close', () => {
        if (!seen) onHeader(undefined);
      });
    } else {
      channel.pipe(ctx.stdout, { end: false });
    }
    channel.stderr.pipe(ctx.stderr, { end: false });
    const forwardStdin = ctx.stdinIsData && !options.holdStdin;
    if (forwardStdin) {
      ctx.stdin.pipe(channel);
    } else if (!options.holdStdin) {
      channel.end();
    }
    channel.on('close', () => {
      ctx.stdout.off('error', onStdoutError);
      if (forwardStdin) {
        ctx.stdin.unpipe(channel);
        ctx.stdin.destroy();
      }
      if (brokenPipe) return resolve({ code: 141 });
      if (status === null) {
        if (options.closedOnPurpose?.()) return resolve({ code: EXIT.transport });
        ctx.stderr.write(`mtr: ${options.lostMessage ?? 'connection lost before the remote command finished'}\n`);
        return resolve({ code: EXIT.transport });
      }
      resolve({ code: status });
    });
  });
}
