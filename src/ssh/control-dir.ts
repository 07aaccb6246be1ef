import fs from 'node:fs';

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
