import path from 'node:path';
import type { Host, HostCapture } from '../../host/types.js';
import { ConnectionError } from '../../errors.js';
import { remotePathExpr, wrapForLoginShell } from '../../remote/command.js';
import { describeSftpFailure, openSftp, resolveSftpPath, SyncError, walkSftp, type SftpSession } from './session.js';
import type { RemoteEntry } from '../types.js';
import { CONFLICTS_DIR, isConflictsPath } from '../plan/conflicts.js';
import { isUploadTemp, UPLOAD_TEMP_GLOB } from './upload-temp.js';

// What is already on the server, in one round trip: GNU find prints every entry as NUL-separated
// fields, which no file name can break (names may hold newlines, spaces, quotes, any UTF-8).
// The conflicts folder (conflicts.ts) is never listed: no sync sends, replaces or deletes in it.

export interface RemoteManifest {
  /** False when remote_dir does not exist (or cannot be entered) yet. */
  exists: boolean;
  /** The remote user's $HOME, absolute. */
  home: string;
  /** With `realPaths`, when remote_dir exists: `pwd -P` there and in $HOME (symlinks followed). */
  real?: { dir: string; home: string };
  /** With `realPaths`: the server found remote_dir to be `/`, $HOME or above it, and listed nothing. */
  refused?: true;
  /** Never an upload's temp file: those are not part of the project (see `leftovers`). */
  entries: Map<string, RemoteEntry>;
  /** Upload temp files untouched for longer than `leftoverAgeSeconds`: left by an interrupted upload. */
  leftovers: string[];
}

/** Type, path below the dir, size, mtime (fractional seconds), octal mode, symlink target. */
export const FIND_FORMAT = '%y\\0%P\\0%s\\0%T@\\0%m\\0%l\\0';
const FIELDS = 6;
// Shell start-up files may print to stdout before our script runs; output starts after this tag.
const TAG = '\0mtr-manifest-1\0';
const TYPES: Record<string, RemoteEntry['type']> = { f: 'file', d: 'dir', l: 'symlink' };
/** The record kind of a stale upload temp file (a second record for the same path). */
const LEFTOVER = 'x';

// The delete guard's facts, and no listing of a tree it will refuse anyway (`/` or a whole home
// takes long to list): `G` instead of the records.
const GUARD_LINES = [
  'mtr_here=$(pwd -P); mtr_home=$(cd && pwd -P)',
  `printf 'R%s\\0%s\\0' "$mtr_here" "$mtr_home"`,
  'case "$mtr_home/" in "$mtr_here"/*) printf G; exit 0;; esac',
  '[ "$mtr_here" != / ] || { printf G; exit 0; }',
];

/**
 * The remote script: tag, $HOME, then `M` (no such dir), `N` (find lacks -printf: BusyBox/BSD) or
 * `F` followed by the find records. With `realPaths` (for the delete guard; two subshells, no round
 * trip) an existing dir first gets `R`, its real path and the real $HOME, each NUL-ended, and `G`
 * (nothing listed) when that is `/`, $HOME or above it. With `leftoverAgeSeconds`, an upload temp
 * file whose status changed longer ago than that (the server's clock decides: no skew) gets a
 * second, `x` record. ctime, not mtime: an upload sets the temp's mtime to the local file's, but
 * cannot set its ctime.
 */
export function buildManifestScript(remoteDir: string, options: { realPaths?: boolean; leftoverAgeSeconds?: number } = {}): string {
  const age = options.leftoverAgeSeconds;
  const stale = age === undefined ? '' : ` \\( -name '${UPLOAD_TEMP_GLOB}' ! -type d -cmin +${formatMinutes(age)} -printf '${LEFTOVER}\\0%P\\0\\0\\0\\0\\0' \\)`;
  return [
    `printf '\\0mtr-manifest-1\\0%s\\0' "$HOME"`,
    `cd ${remotePathExpr(remoteDir)} 2>/dev/null || { printf M; exit 0; }`,
    ...(options.realPaths ? GUARD_LINES : []),
    `if find . -maxdepth 0 -printf '' >/dev/null 2>&1; then printf F; find . -mindepth 1 ! \\( -path ./${CONFLICTS_DIR} -prune \\) -printf '${FIND_FORMAT}'${stale}; else printf N; fi`,
  ].join('\n');
}

// find's -cmin takes fractional minutes (GNU find, the only one with -printf).
function formatMinutes(seconds: number): string {
  return String(Math.max(0, Math.round((seconds / 60) * 1000) / 1000));
}

/**
 * Entries from `find -printf FIND_FORMAT` output; other file types (sockets, fifos…) and upload temp
 * files are left out. Stale upload temps (`x` records) are added to `leftovers` when given.
 */
export function parseFindPrintf(buf: Buffer, leftovers?: string[]): RemoteEntry[] {
  const fields: string[] = [];
  let start = 0;
  for (let nul = buf.indexOf(0, start); nul !== -1; nul = buf.indexOf(0, start)) {
    fields.push(buf.toString('utf8', start, nul));
    start = nul + 1;
  }
  const entries: RemoteEntry[] = [];
  // A trailing partial record (output cut short) is dropped.
  for (let i = 0; i + FIELDS <= fields.length; i += FIELDS) {
    const [kind, rel, size, mtime, mode, link] = fields.slice(i, i + FIELDS) as [string, string, string, string, string, string];
    if (!rel) continue;
    // The uploader makes files and symlinks under temp names, never directories.
    if (kind !== 'd' && isUploadTemp(path.posix.basename(rel))) {
      if (kind === LEFTOVER) leftovers?.push(rel);
      continue;
    }
    const type = TYPES[kind];
    if (!type || isConflictsPath(rel)) continue;
    const entry: RemoteEntry = {
      path: rel,
      type,
      size: type === 'file' ? Number.parseInt(size, 10) || 0 : 0,
      mtime: floorSeconds(mtime),
      mode: Number.parseInt(mode, 8) & 0o7777,
    };
    const ms = Number(mtime) * 1000;
    if (mtime !== '' && Number.isFinite(ms)) entry.mtimeMs = ms;
    if (type === 'symlink') entry.linkTarget = link;
    entries.push(entry);
  }
  return entries;
}

// `%T@` prints ten fractional digits: 1700000000.9999999999 would round up as a double, so the
// integer part is read from the text.
export function floorSeconds(text: string): number {
  const [whole = '', fraction = ''] = text.split('.');
  const seconds = Number.parseInt(whole, 10);
  if (!Number.isFinite(seconds)) return 0;
  return whole.startsWith('-') && /[1-9]/.test(fraction) ? seconds - 1 : seconds;
}

export interface ManifestOutput {
  home: string;
  real?: { dir: string; home: string };
  state: 'M' | 'N' | 'F' | 'G';
  records: Buffer;
}

/** Splits the script's stdout into its parts; undefined when the tag is missing (not our output). */
export function parseManifestOutput(stdout: Buffer): ManifestOutput | undefined {
  const at = stdout.indexOf(TAG);
  if (at === -1) return undefined;
  const homeStart = at + TAG.length;
  const homeEnd = stdout.indexOf(0, homeStart);
  if (homeEnd === -1) return undefined;
  const home = stdout.toString('utf8', homeStart, homeEnd);
  let next = homeEnd + 1;
  let real: ManifestOutput['real'];
  if (stdout[next] === 0x52 /* R */) {
    const dirEnd = stdout.indexOf(0, next + 1);
    const realHomeEnd = dirEnd === -1 ? -1 : stdout.indexOf(0, dirEnd + 1);
    if (realHomeEnd === -1) return undefined;
    real = { dir: stdout.toString('utf8', next + 1, dirEnd), home: stdout.toString('utf8', dirEnd + 1, realHomeEnd) };
    next = realHomeEnd + 1;
  }
  const state = String.fromCharCode(stdout[next] ?? 0);
  if (state !== 'M' && state !== 'N' && state !== 'F' && state !== 'G') return undefined;
  return { home, ...(real ? { real } : {}), state, records: stdout.subarray(next + 1) };
}

export interface ManifestOptions {
  /** Also learn the real paths of remote_dir and $HOME (the delete guard). */
  realPaths?: boolean;
  /** An open SFTP session for the fallback walk; otherwise one is opened and closed here. */
  session?: SftpSession;
  /** List upload temp files older than this as `leftovers` (GNU find only; none with the SFTP walk). */
  leftoverAgeSeconds?: number;
}

export async function readRemoteManifest(host: Pick<Host, 'capture' | 'sftp'>, remoteDir: string, options: ManifestOptions = {}): Promise<RemoteManifest> {
  const result = await host.capture(
    wrapForLoginShell(buildManifestScript(remoteDir, { realPaths: options.realPaths, leftoverAgeSeconds: options.leftoverAgeSeconds })),
  );
  if (result.code === null) throw new ConnectionError('the connection dropped while listing the remote directory');
  const parsed = parseManifestOutput(result.stdout);
  if (!parsed) {
    const said = result.stderr.toString('utf8').trim().split('\n').slice(-3).join(' ');
    throw new SyncError(`could not list remote_dir ${remoteDir} (exit ${result.code})${said ? `: ${said}` : ''}`, 'check that the remote login shell works: ssh HOST true');
  }
  const { home, real, state, records } = parsed;
  if (state === 'M') return { exists: false, home, entries: new Map(), leftovers: [] };
  if (state === 'G') return { exists: true, home, ...(real ? { real } : {}), refused: true, entries: new Map(), leftovers: [] };
  const leftovers: string[] = [];
  const list =
    state === 'F'
      ? parseFindPrintf(records, leftovers)
      : (await walkWithSftp(host, remoteDir, home, options.session)).filter(
          (e) => !isConflictsPath(e.path) && (e.type === 'dir' || !isUploadTemp(path.posix.basename(e.path))),
        );
  return { exists: true, home, ...(real ? { real } : {}), entries: new Map(list.map((e) => [e.path, e])), leftovers };
}

// BusyBox and BSD find lack -printf: list the tree with SFTP readdir instead (slower, no link targets).
async function walkWithSftp(host: Pick<Host, 'sftp'>, remoteDir: string, home: string, given?: SftpSession): Promise<RemoteEntry[]> {
  const session = given ?? (await openSftp(host));
  try {
    return await walkSftp(session, resolveSftpPath(remoteDir, home));
  } catch (error) {
    throw describeSftpFailure(error, session.closed);
  } finally {
    if (!given) session.end();
  }
}

const TIMES_TAG = '\0mtr-times-1\0';

/**
 * The exact mtimes of some paths (stdin: NUL-separated, `./`-prefixed), as `path\0%T@\0` records
 * after a tag; GNU find only (elsewhere nothing is printed and nothing is known).
 */
export function buildMtimesScript(remoteDir: string): string {
  return [
    `cd ${remotePathExpr(remoteDir)} || exit 1`,
    `printf '\\0mtr-times-1\\0'`,
    `xargs -0 sh -c 'find "$@" -maxdepth 0 -printf "%p\\0%T@\\0" 2>/dev/null; exit 0' sh`,
  ].join('\n');
}

/** path (remote_dir-relative) → mtime in ms, for those `buildMtimesScript` printed. */
export function parseMtimes(stdout: Buffer): Map<string, number> {
  const text = stdout.toString('utf8');
  const at = text.indexOf(TIMES_TAG);
  const times = new Map<string, number>();
  if (at === -1) return times;
  const fields = text.slice(at + TIMES_TAG.length).split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const ms = Number(fields[i + 1]) * 1000;
    if (fields[i + 1] !== '' && Number.isFinite(ms)) times.set((fields[i] as string).replace(/^\.\//, ''), ms);
  }
  return times;
}

/** One remote command: the exact mtimes of `paths` (what SFTP's whole seconds cannot tell). */
export async function readExactMtimes(host: HostCapture, remoteDir: string, paths: readonly string[]): Promise<Map<string, number>> {
  const input = Buffer.from(paths.map((p) => `./${p}\0`).join(''), 'utf8');
  const result = await host.capture(wrapForLoginShell(buildMtimesScript(remoteDir)), input);
  if (result.code === null) throw new ConnectionError('the connection dropped while reading remote file times');
  return parseMtimes(result.stdout);
}
