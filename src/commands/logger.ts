import { createFileLogger, nullLogger, type Logger } from '../log.js';
import type { LogPlan } from '../plan/types.js';

export function openLogger(plan: LogPlan): Logger {
  return plan.file === undefined ? nullLogger : createFileLogger(plan.file);
}
