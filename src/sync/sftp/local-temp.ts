import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { tempBaseName } from '../temp-name.js';

// A download's local temp files: `.<name>.mtr-tmp-<owner pid, 8 hex><random, 8 hex>` beside the file
// they become. The owner's pid in the name lets the next download tell a leftover of a killed mtr
// (owner gone: removed) from a file another mtr is writing right now (owner alive: left alone).

const TEMP = /^\.(?:(.+)\.)?mtr-tmp-([0-9a-f]+)$/;

/** The temp name for `name` (a bare `.mtr-tmp-…` when the long form would pass the name limit). */
export function localTempName(name: string, pid: number, random = randomBytes(4).toString('hex')): string {
  return tempBaseName(name, `${pid.toString(16).padStart(8, '0')}${random}`);
}

/**
 * What a directory entry is, if it is one of mtr's temp names: the name it stood in for (undefined
 * for the bare form) and its owner's pid (undefined for names from before owners were recorded).
 */
export function parseLocalTempName(entry: string): { of: string | undefined; pid: number | undefined } | undefined {
  const match = TEMP.exec(entry);
  if (!match) return undefined;
  const hex = match[2]!;
  return { of: match[1], pid: hex.length === 16 ? Number.parseInt(hex.slice(0, 8), 16) : undefined };
}

/** Whether a leftover may go: its owner is not a live process (EPERM means alive, someone else's). */
export function ownerGone(pid: number | undefined, isAlive: (pid: number) => boolean = processAlive): boolean {
  return pid === undefined || pid === 0 || !isAlive(pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes mtr's temp files in `dir` whose owner is gone: all of them, or only those standing in for
 * `only`. Returns how many went. Only names of the temp form are touched, and never followed.
 */
export async function removeLeftovers(dir: string, only?: string): Promise<number> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const temp = parseLocalTempName(name);
    if (!temp || (only !== undefined && temp.of !== only) || !ownerGone(temp.pid)) continue;
    // unlink: a symlink goes itself (never what it points to); a folder of that name stays.
    if (await fsp.unlink(path.join(dir, name)).then(() => true, () => false)) removed++;
  }
  return removed;
}
