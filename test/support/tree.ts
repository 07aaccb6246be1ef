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
