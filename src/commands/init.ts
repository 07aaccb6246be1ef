import path from 'node:path';
import { initConfig } from '../config/init.js';
import type { Context } from '../context.js';
import type { InitOptions } from '../options.js';

export async function runInit(ctx: Context, options: InitOptions): Promise<void> {
  const written = initConfig(ctx, { force: options.force });
  const shown = path.relative(ctx.cwd, written) || written;
  ctx.stderr.write(`mtr: wrote ${shown}; fill in your server, then try \`mtr --dry-run echo hello\`\n`);
}
