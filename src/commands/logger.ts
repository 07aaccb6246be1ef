import path from 'node:path';
import type { LoadedConfig } from '../config/types.js';
import type { Context } from '../context.js';
import { createFileLogger, defaultLogPath, nullLogger, type Logger } from '../log.js';
import type { GlobalOptions } from '../options.js';

export function openLogger(options: Pick<GlobalOptions, 'enableLog' | 'logFile'>, config: LoadedConfig | undefined, ctx: Context): Logger {
  const file = options.logFile ? path.resolve(ctx.cwd, options.logFile) : options.enableLog ? defaultLogPath(config?.projectRoot ?? ctx.cwd, new Date()) : undefined;
  if (file === undefined) return nullLogger;
  const logger = createFileLogger(file);
  // src/index.ts writes the stack of an error that ends the run here.
  if (ctx.debugLog) ctx.debugLog.current = logger;
  return logger;
}
