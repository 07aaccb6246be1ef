import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.js';
import { expandIncludes } from './ssh-config-include.js';
import type { TargetEnv } from './target.js';

// Reads ~/.ssh/config (Includes inlined) and who we are locally: the inputs of resolveTarget().
export function readTargetEnv(ctx: Context): TargetEnv {
  const readFile = (file: string): string | undefined => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  const listDir = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  const text = readFile(path.join(ctx.homedir, '.ssh', 'config'));
  return {
    homedir: ctx.homedir,
    localUser: localUserName(ctx),
    sshConfigText: text === undefined ? undefined : expandIncludes(text, readFile, ctx.homedir, listDir),
  };
}

export function localUserName(ctx: Context): string {
  try {
    return os.userInfo().username;
  } catch {
    return ctx.env.USER || ctx.env.LOGNAME || 'root';
  }
}
