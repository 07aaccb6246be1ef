import { ConnectionError } from '../../errors.js';
import type { HostCapture } from '../../host/types.js';
import { remotePathExpr, wrapForLoginShell } from '../../remote/command.js';
import { buildKeepScript, type KeptReport } from '../plan/conflicts.js';
import type { DeletionPlan } from '../plan/changes.js';
import { checkResolvedDeleteTarget, refuseDelete } from '../plan/delete-guard.js';
import { SyncError } from '../sftp/session.js';

// Runs remote deletions planned by planDeletions(). Paths travel on stdin, NUL-separated and prefixed
// with `./`, so no name is ever parsed by a shell or mistaken for an option.

/** Exit status of the script when the directory it entered is `/`, $HOME or above it. */
const REFUSED = 97;
/** Before REFUSED, the script says on stderr where it was: tag, real dir, real home, NUL-ended. */
const REFUSED_TAG = 'mtr-refused';

/** `./a\0./b c\0…`; throws on anything that could leave remote_dir (absolute, `..`, empty). */
export function encodeDeletionPaths(paths: readonly string[]): Buffer {
  for (const p of paths) {
    if (!p || p.startsWith('/') || p.includes('\0') || p.split('/').some((s) => s === '..' || s === '.' || s === '')) {
      throw new Error(`refusing to delete an unsafe relative path: ${JSON.stringify(p)} (this is a bug, please report it)`);
    }
  }
  return Buffer.from(paths.map((p) => `./${p}\0`).join(''), 'utf8');
}

/**
 * Enters remote_dir, re-checks on the server that it is not `/`, $HOME or a parent of $HOME (the same
 * rule as checkDeleteTarget, against the real path), then feeds stdin to `xargs -0 <command>`.
 */
export function buildDeletionScript(remoteDir: string, command: 'rm -f --' | 'rmdir --'): string {
  const quiet = command.startsWith('rmdir') ? ' 2>/dev/null; exit 0' : '';
  return [
    `cd ${remotePathExpr(remoteDir)} || exit 1`,
    'here=$(pwd -P) && home=$(cd && pwd -P) || exit 1',
    `case "$home/" in "$here"/*) printf '${REFUSED_TAG}\\0%s\\0%s\\0' "$here" "$home" >&2; exit ${REFUSED};; esac`,
    `[ "$here" != / ] || { printf '${REFUSED_TAG}\\0%s\\0%s\\0' "$here" "$home" >&2; exit ${REFUSED}; }`,
    `xargs -0 ${command}${quiet}`,
  ].join('\n');
}

/**
 * Removes `files`, then the emptied `dirs` (deepest first; a directory that is not empty after all
 * is left alone). Returns how many paths were handed to the server.
 */
export async function applyDeletions(host: HostCapture, remoteDir: string, paths: DeletionPlan): Promise<number> {
  if (paths.files.length > 0) await run(host, remoteDir, 'rm -f --', paths.files);
  if (paths.dirs.length > 0) await run(host, remoteDir, 'rmdir --', paths.dirs);
  return paths.files.length + paths.dirs.length;
}

/**
 * Moves `paths` (remote_dir-relative) into a fresh `.mtr-conflicts/<folder>` instead of deleting
 * them (conflicts.ts): the server's own edits. One remote command.
 */
export async function keepRemoteFiles(host: HostCapture, remoteDir: string, paths: readonly string[], folder: string): Promise<KeptReport | undefined> {
  if (paths.length === 0) return undefined;
  const result = await host.capture(wrapForLoginShell(buildKeepScript(remoteDir, folder)), encodeDeletionPaths(paths));
  if (result.code === null) throw new ConnectionError('the connection dropped while keeping remote files');
  const made = /([^\0]*)\0/.exec(result.stdout.toString('utf8'))?.[1];
  if (result.code !== 0 || !made) {
    const said = result.stderr.toString('utf8').trim().split('\n').slice(-3).join(' ');
    throw new SyncError(`could not keep the server's edited files in ${remoteDir} (exit ${result.code})${said ? `: ${said}` : ''}`, 'check the permissions of remote_dir on the server');
  }
  const rel = made.replace(/^\.\//, '');
  return paths.length === 1 ? { folder: rel, count: 1, path: `${rel}/${paths[0]}` } : { folder: rel, count: paths.length };
}

async function run(host: HostCapture, remoteDir: string, command: 'rm -f --' | 'rmdir --', list: readonly string[]): Promise<void> {
  const result = await host.capture(wrapForLoginShell(buildDeletionScript(remoteDir, command)), encodeDeletionPaths(list));
  if (result.code === null) throw new ConnectionError('the connection dropped while deleting remote files');
  if (result.code === 0) return;
  if (result.code === REFUSED) throw describeRefusal(remoteDir, result.stderr);
  const said = result.stderr.toString('utf8').trim().split('\n').slice(-3).join(' ');
  throw new SyncError(`could not delete some remote files in ${remoteDir} (exit ${result.code})${said ? `: ${said}` : ''}`, 'check the permissions of those files on the server');
}

// The server's own check refused (remote_dir became `/` or $HOME after the guard ran, e.g. a symlink
// changed): the same refusal, message and exit code as the guard's.
export function describeRefusal(remoteDir: string, stderr: Buffer) {
  const text = stderr.toString('utf8');
  const at = text.lastIndexOf(`${REFUSED_TAG}\0`);
  const [here = '', home = ''] = at === -1 ? [] : text.slice(at + REFUSED_TAG.length + 1).split('\0');
  return checkResolvedDeleteTarget(remoteDir, here, home) ?? refuseDelete(remoteDir, 'the root directory, your home directory or a parent of it on the server');
}
