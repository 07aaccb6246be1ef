import type { Context } from '../context.js';
import { createFileLogger, nullLogger, type Logger } from '../log.js';
import type { LogPlan } from '../plan/types.js';

export function openLogger(plan: LogPlan, ctx: Pick<Context, 'debugLog'>): Logger {
  if (plan.file === undefined) return nullLogger;
  // A long-lived process (the MCP server) plans one log file for all its calls: it is opened once.
  const open = ctx.debugLog?.current;
  if (open?.file === plan.file) return open;
  const logger = createFileLogger(plan.file);
  // src/index.ts writes the stack of an error that ends the run here.
  if (ctx.debugLog) ctx.debugLog.current = logger;
  return logger;
}
