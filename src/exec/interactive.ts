import type { Context } from '../context.js';
import { ConnectionError } from '../errors.js';
import type { Host, HostChannel } from '../host/types.js';
import { createDetachFilter } from './detach-key.js';
import { enterRawMode, terminalSize } from './terminal.js';

export type InteractiveEnd =
  | { how: 'exit'; status: number }
  | { how: 'detached' }
  | { how: 'lost' };

function drainInput(ctx: Context, quietMs: number, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout;
    const finish = () => {
      clearTimeout(quiet);
      clearTimeout(cap);
      ctx.stdin.off('data', onData);
      resolve();
    };
    const onData = () => {
      clearTimeout(quiet);
      quiet = setTimeout(finish, quietMs);
    };
    const cap = setTimeout(finish, maxMs);
    quiet = setTimeout(finish, quietMs);
    ctx.stdin.on('data', onData);
  });
}

async function openPty(host: Host, command: string, term: string, cols: number, rows: number): Promise<HostChannel> {
  try {
    return await host.exec(command, { pty: { term, cols, rows } });
  } catch (error) {
    throw new ConnectionError(`could not open a remote terminal: ${(error as Error).message}`, undefined, error);
  }
}

// A remote program on a PTY, felt as local: raw keys in (Ctrl+C, arrows, Tab as bytes), screen out,
// window size followed live. The channel's stdin is never end()ed: resizing would stop working.
export async function runInteractive(ctx: Context, host: Host, command: string): Promise<InteractiveEnd> {
  const term = ctx.env.TERM || 'xterm-256color';
  const { cols, rows } = terminalSize(ctx);
  const channel = await openPty(host, command, term, cols, rows);
  const raw = enterRawMode(ctx);
  let detached = false;
  let status: number | null = null;
  const filter = createDetachFilter((held) => channel.stdin.write(held));
  const onKeys = (chunk: Buffer) => {
    const { forward, detach } = filter.feed(chunk);
    if (forward.length) channel.stdin.write(forward);
    if (detach) {
      detached = true;
      channel.close();
    }
  };
  const onResize = () => {
    const size = terminalSize(ctx);
    channel.resize(size.rows, size.cols);
  };
  ctx.stdin.on('data', onKeys);
  ctx.stdout.on('resize', onResize);
  process.on('SIGWINCH', onResize);
  channel.stdout.on('data', (chunk: Buffer) => ctx.stdout.write(chunk));
  channel.stderr.on('data', (chunk: Buffer) => ctx.stderr.write(chunk));
  channel.on('exit', (exitStatus) => {
    status = exitStatus;
  });
  const linkClosed = host.closed;
  await new Promise<void>((resolve) => channel.once('close', () => resolve()));
  ctx.stdin.off('data', onKeys);
  ctx.stdout.off('resize', onResize);
  process.off('SIGWINCH', onResize);
  // The remote tmux client queries the terminal on attach; answers that arrive after a quick
  // program ended must not land in the user's shell. Swallow input until it is quiet.
  if (ctx.stdin.isTTY) await drainInput(ctx, 80, 250);
  raw.restore();
  if (detached) return { how: 'detached' };
  if (status !== null) return { how: 'exit', status };
  // No exit status: either the link dropped or the server closed the channel without one.
  const lost = await Promise.race([linkClosed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
  return lost ? { how: 'lost' } : { how: 'exit', status: 255 };
}
