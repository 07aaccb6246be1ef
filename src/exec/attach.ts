import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import { buildAttachCommand, buildReadRcScript } from '../remote/job-script.js';
import type { SshConnection } from '../ssh/connect.js';
import { execCapture } from './capture.js';
import { DETACH_KEY } from './detach-key.js';
import { runInteractive } from './interactive.js';

// Attaches the local terminal to a job's tmux session. tmux's own exit status says nothing about
// the job, so the job's code is read from its rc file; no rc file means it still runs.
export async function attachInteractive(ctx: Context, connection: SshConnection, name: string): Promise<number> {
  const end = await runInteractive(ctx, await connection.ssh2(), buildAttachCommand(name, ctx.env.TERM || 'xterm-256color'));
  const reattach = `\`mtr --attach ${name}\``;
  if (end.how === 'lost') {
    ctx.stderr.write(`\r\nmtr: connection lost; job ${name} goes on on the server. Reattach with ${reattach}\n`);
    return EXIT.transport;
  }
  const rc = await execCapture(connection.client, buildReadRcScript(name)).catch(() => undefined);
  const text = rc?.stdout.toString('utf8').trim();
  if (text && /^\d+$/.test(text)) return Number(text);
  if (end.how === 'detached') {
    ctx.stderr.write(`\r\nmtr: detached; job ${name} goes on. Reattach with ${reattach} (detach key: ${DETACH_KEY})\n`);
    return 0;
  }
  ctx.stderr.write(`\r\nmtr: left job ${name} while it runs. Reattach with ${reattach}\n`);
  return 0;
}
