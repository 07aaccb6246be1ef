import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import { buildAttachCommand, buildAttachEndScript } from '../remote/job-attach-script.js';
import type { Host } from '../host/types.js';
import { DETACH_KEY } from './detach-key.js';
import { formatFinalScreen, parseAttachEnd } from './final-screen.js';
import { runInteractive } from './interactive.js';

// Attaches the local terminal to a job's tmux session. tmux's own exit status says nothing about
// the job, so the job's code is read from its rc file; no rc file means it still runs. The same
// exec fetches the job's last screen, printed on the main screen once tmux has left it.
export async function attachInteractive(ctx: Context, host: Host, name: string): Promise<number> {
  const end = await runInteractive(ctx, host, buildAttachCommand(name, ctx.env.TERM || 'xterm-256color'));
  const reattach = `\`mtr --attach ${name}\``;
  if (end.how === 'lost') {
    ctx.stderr.write(`\r\nmtr: connection lost; job ${name} goes on on the server. Reattach with ${reattach}\n`);
    return EXIT.transport;
  }
  const captured = await host.capture(buildAttachEndScript(name)).catch(() => undefined);
  const { rc, screen } = parseAttachEnd(captured?.stdout.toString('utf8') ?? '');
  ctx.stdout.write(formatFinalScreen(screen));
  if (rc !== undefined) return rc;
  if (end.how === 'detached') {
    ctx.stderr.write(`mtr: detached; job ${name} goes on. Reattach with ${reattach} (detach key: ${DETACH_KEY})\n`);
    return 0;
  }
  ctx.stderr.write(`mtr: left job ${name} while it runs. Reattach with ${reattach}\n`);
  return 0;
}
