import type { Context } from '../context.js';
import { EXIT } from '../errors.js';
import { onStopSignals } from '../exec/signals.js';
import type { ForwardPlan } from '../plan/types.js';
import { describeForward, holdForwards } from './forwards.js';
import { openLogger } from './logger.js';

// `mtr --forward SPEC…` alone: binds, connects, says what it holds, then holds it until Ctrl+C or
// SIGTERM (exit 0: that is how it is meant to end). A lost link is reopened at the next connection.
export async function runForward(ctx: Context, plan: ForwardPlan): Promise<{ exitCode: number }> {
  const logger = openLogger(plan.log, ctx);
  const server = plan.host.server.name;
  const held = await holdForwards(ctx, plan.host, plan.projectRoot, logger, plan.forwards);
  if (!held) return { exitCode: EXIT.ok };
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const removeSignals = onStopSignals((signal) => {
    logger.debug(`forward: ${signal}`);
    stop();
  });
  try {
    await held.connect();
    for (const spec of plan.forwards) ctx.stderr.write(`mtr: ${describeForward(spec, server)} (Ctrl+C stops)\n`);
    await stopped;
    return { exitCode: EXIT.ok };
  } finally {
    removeSignals();
    await held.close();
  }
}
