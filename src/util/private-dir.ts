import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The user's private runtime folder: shared-connection sockets (a socket there is a logged-in shell
// on the server) and the cached config (it may hold a password) live there, so it must be the
// user's alone.

/** $XDG_RUNTIME_DIR/mtr, else <tmp>/mtr-<uid>. */
export function runtimeDirPath(env: NodeJS.ProcessEnv, tmpdir: string, uid: number): string {
  return env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'mtr') : path.join(tmpdir, `mtr-${uid}`);
}

// Returns false when the folder cannot be made safe; what needs it is then skipped, never an error.
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

/** The private runtime folder, made safe first; undefined when it cannot be. */
export function privateRuntimeDir(env: NodeJS.ProcessEnv): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const dir = runtimeDirPath(env, os.tmpdir(), uid);
  return ensurePrivateDir(dir, uid) ? dir : undefined;
}
