import type { Context } from '../context.js';

/** Closes the shared connections kept for fast repeated runs; resolves with how many there were. */
export async function runDisconnect(ctx: Context): Promise<{ exitCode: 0; closed: number }> {
  const { disconnectAll } = await import('../ssh/reuse.js');
  return { exitCode: 0, closed: await disconnectAll(ctx) };
}
