import type { Context } from '../context.js';
import { createFileLogger, nullLogger, type Logger } from '../log.js';
import type { LogPlan } from '../plan/types.js';

export function openLogger(plan: LogPlan, ctx: Pick<Context, 'debugLog'>): Logger {
  if (plan.file === undefined) return nullLogger;
  const logger = createFileLogger(plan.file);
  // src/index.ts writes the stack of an error that ends the run here.
  if (ctx.debugLog) ctx.debugLog.current = logger;
  return logger;
}
