// What a remote path is, asked in one exec before an rsync download (pure: the script and its answer).
import { remotePathExpr } from '../../remote/command.js';

export type RemoteKind = 'dir' | 'file' | 'missing';

/** Prints `d`, `f` or `m`; follows symlinks (a link to a directory is fetched as the directory). */
export function buildKindProbe(remotePath: string): string {
  const trimmed = remotePath.replace(/\/+$/, '') || '/';
  return `p=${remotePathExpr(trimmed)}; if [ -d "$p" ]; then printf d; elif [ -e "$p" ]; then printf f; else printf m; fi`;
}

export function parseKind(stdout: string): RemoteKind | undefined {
  return ({ d: 'dir', f: 'file', m: 'missing' } as const)[stdout.trim() as 'd' | 'f' | 'm'];
}
