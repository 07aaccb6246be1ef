import { initConfig } from '../config/init.js';
import type { Context } from '../context.js';
import type { InitOptions } from '../options.js';

/** Writes .mtr/config.yaml here; resolves with its path. */
export async function runInit(ctx: Context, options: InitOptions): Promise<{ exitCode: 0; written: string }> {
  return { exitCode: 0, written: initConfig(ctx, { force: options.force }) };
}
