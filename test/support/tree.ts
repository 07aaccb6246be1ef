// Building and comparing file trees in e2e tests: write a file with a given mode and mtime, and take
// a comparable snapshot of a tree (files: content hash, size, mode, whole-second mtime; dirs: mode;
// symlinks: target).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A fixed mtime (2020-09-13) so "unchanged" is checkable to the second. */
export const T = 1_600_000_000;

export function writeFile(root: string, rel: string, content: string | Buffer, mode = 0o644, mtime = T): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  fs.utimesSync(file, mtime, mtime);
}

export interface TreeNode {
  type: 'file' | 'dir' | 'symlink';
  mode?: string;
  mtime?: number;
  size?: number;
  sha?: string;
  target?: string;
}

/** One record per path below `root`; `skip` names top-level entries to leave out (e.g. `.mtr`). */
export function snapshotTree(root: string, skip: readonly string[] = []): Record<string, TreeNode> {
  const out: Record<string, TreeNode> = {};
  const visit = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      if (skip.includes(p)) continue;
      const abs = path.join(root, p);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) out[p] = { type: 'symlink', target: fs.readlinkSync(abs) };
      else if (st.isDirectory()) {
        out[p] = { type: 'dir', mode: (st.mode & 0o7777).toString(8) };
        visit(p);
      } else {
        const sha = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
        out[p] = { type: 'file', mode: (st.mode & 0o7777).toString(8), mtime: Math.floor(st.mtimeMs / 1000), size: st.size, sha };
      }
    }
  };
  visit('');
  return out;
}

/**
 * Per path below `root`: inode and ctime in ns. A rewrite changes one of them: a rename over the
 * file its inode, a write in place its ctime (once the ctime clock has moved, see passCtimeTick).
 */
export function fileStamps(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    const st = fs.lstatSync(path.join(root, rel), { bigint: true });
    out[rel] = `${st.ino}:${st.ctimeNs}`;
  }
  return out;
}

/**
 * Returns once a file written in `dir` gets a later ctime than one written at the call: from then
 * on a rewrite of anything written before shows in fileStamps. The kernel stamps files from a
 * coarse clock (a few ms; a whole second on some filesystems), so this polls instead of sleeping.
 */
export async function passCtimeTick(dir: string, timeoutMs = 5000): Promise<void> {
  const probe = path.join(dir, `.ctime-probe-${process.pid}`);
  const stamp = () => {
    fs.writeFileSync(probe, '');
    return fs.statSync(probe, { bigint: true }).ctimeNs;
  };
  try {
    const start = stamp();
    const deadline = Date.now() + timeoutMs;
    while (stamp() <= start) {
      if (Date.now() > deadline) throw new Error(`the ctime clock of ${dir} did not move in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
