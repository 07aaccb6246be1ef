import path from 'node:path';
import { shellQuote } from './shell-quote.js';

// What a path on the server means, for every engine and for the run alike: `/x` is absolute; `~`,
// `~/x` and a relative `x` start at the remote user's home (where an ssh login starts). Pure.

/**
 * The one spelling every consumer receives: `~`, `~/rest` or `/abs`, without trailing slashes
 * (`proj2` → `~/proj2`, `./a/` → `~/a`, `.` → `~`). Names are otherwise kept as written.
 */
export function anchorRemotePath(p: string): string {
  if (p.startsWith('/')) return p.replace(/\/+$/, '') || '/';
  let rest = p === '~' ? '' : p.startsWith('~/') ? p.slice(2) : p;
  rest = rest.replace(/\/+$/, '');
  while (rest === '.' || rest.startsWith('./')) rest = rest.slice(2).replace(/^\/+/, '');
  return rest ? `~/${rest}` : '~';
}

/** `base` + a relative `p` (`..` allowed); an absolute or `~` `p` stands alone. */
export function joinRemotePath(base: string, p: string): string {
  if (!p) return anchorRemotePath(base);
  if (p.startsWith('/') || p === '~' || p.startsWith('~/')) return anchorRemotePath(p);
  const anchored = anchorRemotePath(base);
  if (anchored.startsWith('/')) return anchorRemotePath(path.posix.join(anchored, p));
  // Joined below the home, so `..` can climb above it (`~` + `..` is the home's parent, not `~`).
  const below = path.posix.join(anchored === '~' ? '.' : anchored.slice(2), p);
  return anchorRemotePath(below);
}

// The path as a shell word: `$HOME` stays outside the quotes so the remote shell expands it, and a
// home-relative name is written after `"$HOME"/`, so a leading `-` can never read as an option.
export function remotePathExpr(p: string): string {
  const anchored = anchorRemotePath(p);
  if (anchored === '~') return '"$HOME"';
  if (anchored.startsWith('~/')) return `"$HOME"/${shellQuote(anchored.slice(2))}`;
  return shellQuote(anchored);
}

/** Why a remote_dir cannot work, or undefined when it can. */
export function checkRemoteDir(p: string): string | undefined {
  if (!p.trim()) return 'a non-empty path';
  if (/[\0\n\r]/.test(p)) return 'a path without NUL bytes or line breaks';
  if (/^~[^/]/.test(p)) return 'a path starting with /, ~/ or a name (~user is not expanded: write the full path)';
  if (/^\$(HOME\b|\{HOME\})/.test(p)) return 'a path without $HOME, which is not expanded (write ~/… instead)';
  return undefined;
}
