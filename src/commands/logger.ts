import path from 'node:path';
import type { LoadedConfig } from '../config/types.js';
import type { Context } from '../context.js';
import { createFileLogger, defaultLogPath, nullLogger, type Logger } from '../log.js';
import type { GlobalOptions } from '../options.js';

export function openLogger(options: Pick<GlobalOptions, 'enableLog' | 'logFile'>, config: LoadedConfig | undefined, ctx: Context): Logger {
  if (options.logFile) return createFileLogger(path.resolve(ctx.cwd, options.logFile));
  if (options.enableLog) return createFileLogger(defaultLogPath(config?.projectRoot ?? ctx.cwd, new Date()));
  return nullLogger;
}
