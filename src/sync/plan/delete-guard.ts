import path from 'node:path';
import { UsageError } from '../../errors.js';

// The delete guard: which remote_dir a sync that mirrors deletions refuses, for both engines and
// watch mode alike. Pure; the server's side of it (real paths) runs in remote/delete.ts.

/**
 * The refusals that need no server (`/`, `~`, `.`, `..`, empty, `$HOME…`, however spelled): run
 * before connecting or listing anything (listing `/` alone takes ages), and by --dry-run, which
 * asks no server. Same messages as checkDeleteTarget.
 */
export function precheckDeleteTarget(remoteDir: string): UsageError | undefined {
  const raw = remoteDir.trim();
  if (raw === '' || /^\$\{?HOME\}?(\/|$)/.test(raw)) return checkDeleteTarget(remoteDir, '/h');
  if (raw.startsWith('/')) return path.posix.normalize(raw) === '/' ? refuseDelete(remoteDir, 'the root directory') : undefined;
  // Relative means relative to $HOME: `.` is home, and `..` only ever climbs above it.
  const rel = path.posix.normalize(raw === '~' ? '.' : raw.startsWith('~/') ? raw.slice(2) || '.' : raw).replace(/\/+$/, '') || '.';
  if (rel === '.') return refuseDelete(remoteDir, 'your home directory');
  if (/^\.\.(\/\.\.)*$/.test(rel)) return refuseDelete(remoteDir, 'a parent of your home directory');
  return undefined;
}

/** The one refusal of the delete guard, wherever it is decided (here or on the server): exit 2. */
export function refuseDelete(remoteDir: string, what: string): UsageError {
  return new UsageError(
    `refusing to delete remote files: remote_dir ${JSON.stringify(remoteDir)} is ${what}`,
    'point remote_dir at a project directory such as ~/projects/NAME, or turn delete off',
  );
}

export function checkDeleteTarget(remoteDir: string, home: string): UsageError | undefined {
  const raw = remoteDir.trim();
  const refuse = (what: string) => refuseDelete(remoteDir, what);
  if (raw === '') return refuse('empty');
  if (/^\$\{?HOME\}?(\/|$)/.test(raw)) return refuse('written with $HOME, which is not expanded; use ~/');
  const homeAbs = path.posix.resolve('/', home || '/');
  const abs = raw === '~' ? homeAbs : raw.startsWith('~/') ? path.posix.join(homeAbs, raw.slice(2)) : path.posix.resolve(homeAbs, raw);
  if (abs === '/') return refuse('the root directory');
  if (abs === homeAbs) return refuse('your home directory');
  if (homeAbs.startsWith(`${abs}/`)) return refuse(`a parent of your home directory (${homeAbs})`);
  return undefined;
}

// The same rule on the server's real paths (`pwd -P`): a remote_dir that is a symlink to $HOME, or
// a $HOME reached through a symlink, is caught before anything is sent.
export function checkResolvedDeleteTarget(remoteDir: string, realDir: string, realHome: string): UsageError | undefined {
  if (!realDir.startsWith('/')) return undefined;
  const via = `once symlinks are followed (it is ${realDir} on the server)`;
  if (realDir === '/') return refuseDelete(remoteDir, `the root directory ${via}`);
  if (!realHome.startsWith('/')) return undefined;
  if (realDir === realHome) return refuseDelete(remoteDir, `your home directory ${via}`);
  if (realHome.startsWith(`${realDir}/`)) return refuseDelete(remoteDir, `a parent of your home directory (${realHome}) ${via}`);
  return undefined;
}
