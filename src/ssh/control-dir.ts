import fs from 'node:fs';

// Files beside the shared-connection sockets (in util/private-dir.ts's private runtime folder).

export function removeStaleSocket(file: string): void {
  try {
    if (fs.lstatSync(file).isSocket()) fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

export function listSockets(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => name.endsWith('.sock')).map((name) => `${dir}/${name}`);
  } catch {
    return [];
  }
}

/** Beside the socket: `<key>.starting`, present while a master for it is being started. */
export function startLockPath(socket: string): string {
  return socket.replace(/\.sock$/, '') + '.starting';
}

/** No start takes longer (connect timeout + login): an older lock was left by a killed start. */
export const MAX_START_MS = 60_000;

// One master start at a time per socket, so simultaneous first runs log in once more, not once
// each. Created with O_EXCL; the start removes it when done (control.ts buildLockedStart). Two runs
// taking over the same stale lock both start one: harmless, as a start that finds the socket
// taken exits by itself (control.ts buildMasterArgs).
export function tryStartLock(lock: string, now = Date.now()): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx', 0o600));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    if (!isStale(lock, now)) return false;
    releaseStartLock(lock);
  }
  return false;
}

function isStale(lock: string, now: number): boolean {
  try {
    return now - fs.statSync(lock).mtimeMs > MAX_START_MS;
  } catch {
    return true; // gone meanwhile: try again
  }
}

export function releaseStartLock(lock: string): void {
  try {
    fs.unlinkSync(lock);
  } catch {
    // already gone
  }
}
