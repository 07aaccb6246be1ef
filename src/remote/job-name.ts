import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { formatExcerpt } from '../util/excerpt.js';

// tmux targets and file names both come from the job name, so it stays in [A-Za-z0-9_-].
// No leading '-': a name must never read as an option to ls, tmux or kill.
const VALID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;

export function isValidJobName(name: string): boolean {
  return VALID.test(name);
}

export function checkJobName(name: string, flag?: string): string {
  if (!isValidJobName(name)) {
    throw new UsageError(`invalid job name ${formatExcerpt(name, 70)}${flag ? ` for ${flag}` : ''}`, 'use 1-64 letters, digits, "-" or "_", not starting with "-"');
  }
  return name;
}

export function slugify(text: string): string {
  const slug = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return slug || 'job';
}

// Entries of one fan-out may share an account (same user, host and port: one ~/.mtr/jobs, one tmux
// server), so each entry's job carries the entry's name: `train` on gpu1 is `train-gpu1`.
export function entryJobName(name: string, entry: string): string {
  return `${name}-${slugify(entry)}`;
}

/** `<project>-<6 hex>`, e.g. `my-model-3fa9c1`. */
export function generateJobName(projectRoot: string, random: () => string = () => randomBytes(3).toString('hex')): string {
  return `${slugify(path.basename(projectRoot))}-${random()}`;
}
