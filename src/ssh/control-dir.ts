import fs from 'node:fs';
import os from 'node:os';
import { controlDir } from './control.js';

// The socket folder must be ours alone (a socket there is a logged-in shell on the server).
// Returns false when it cannot be made safe; reuse is then skipped, never an error.
export function ensurePrivateDir(dir: string, uid: number): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== uid) return false;
    if ((stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
    return true;
  } catch {
    return false;
  }
}

/**
 * The user's private runtime folder ($XDG_RUNTIME_DIR/mtr, else <tmp>/mtr-<uid>), made safe first:
 * shared-connection sockets and the cached config live there. undefined when it cannot be.
 */
export function privateRuntimeDir(env: NodeJS.ProcessEnv): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const dir = controlDir(env, os.tmpdir(), uid);
  return ensurePrivateDir(dir, uid) ? dir : undefined;
}

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
