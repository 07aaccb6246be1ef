import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { CONFIG_DIR, CONFIG_FILE } from './find.js';
import { CONFIG_TEMPLATE } from './template.js';

export interface InitOptions {
  force?: boolean;
}

// Writes a temp file then renames it, so an interrupted init never leaves half a config behind.
export function initConfig(ctx: Pick<Context, 'cwd'>, options: InitOptions = {}): string {
  const dir = path.join(ctx.cwd, CONFIG_DIR);
  const target = path.join(dir, CONFIG_FILE);
  if (!options.force && fs.existsSync(target)) {
    const message = `${CONFIG_DIR}/${CONFIG_FILE} already exists in ${ctx.cwd}`;
    throw new UsageError(message, 'run `mtr --init --force` to overwrite it');
  }
  const temp = path.join(dir, `.${CONFIG_FILE}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(temp, CONFIG_TEMPLATE, { flag: 'wx' });
    fs.renameSync(temp, target);
  } catch (error) {
    removeQuietly(temp);
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot write ${target}: ${reason}`, undefined, error);
  }
  return target;
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Nothing was written, or the folder is unusable: the original error says why.
  }
}
