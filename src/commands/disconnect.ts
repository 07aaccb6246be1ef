import type { Context } from '../context.js';

export async function runDisconnect(ctx: Context): Promise<void> {
  const { disconnectAll } = await import('../ssh/reuse.js');
  const closed = await disconnectAll(ctx);
  ctx.stderr.write(`mtr: closed ${closed} shared connection${closed === 1 ? '' : 's'}\n`);
}
