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
