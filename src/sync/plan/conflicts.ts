// Edits made on the server are never overwritten silently. mtr keeps mtimes, so every remote file
// it sent carries a local mtime no later than the end of the sync that sent it; the sync record
// (sync-record.ts) keeps when the last one ended. A remote file about to be replaced or deleted
// whose mtime is later than that was written on the server since: it is moved into
// `.mtr-conflicts/<time>/<path>` inside remote_dir (which no sync sends, lists or deletes), and the
// user is told once. Pure: decisions, names, the remote scripts and the notice.
import path from 'node:path';
import { remotePathExpr } from '../../remote/command.js';
import { shellQuote } from '../../remote/shell-quote.js';
import { CONFLICTS_DIR } from '../scan/ignore.js';
import type { RemoteEntry } from '../types.js';

export { CONFLICTS_DIR };
/** A remote mtime this far ahead of our clock is a future-dated file mtr sent, not an edit. */
export const AHEAD_MARGIN_MS = 24 * 3600 * 1000;

/** Which remote mtimes count as edits on the server, and where their files go. */
export interface ConflictWindow {
  /** Later than this (ms): written after the last sync ended. */
  afterMs: number;
  /** No later than this (ms): now plus AHEAD_MARGIN_MS. */
  untilMs: number;
  /** The folder's name below CONFLICTS_DIR (conflictFolderName); `-2`, `-3`… if it is taken. */
  folder: string;
}

/** `2026-12-02T03-40-00`: this machine's local time, no characters any file system refuses. */
export function conflictFolderName(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}-${two(date.getMinutes())}-${two(date.getSeconds())}`;
}

/** The window after a sync that ended at `endedMs`; none without a previous sync (nothing to tell by). */
export function conflictWindow(endedMs: number | undefined, now: Date): ConflictWindow | undefined {
  if (endedMs === undefined) return undefined;
  return { afterMs: endedMs, untilMs: now.getTime() + AHEAD_MARGIN_MS, folder: conflictFolderName(now) };
}

/**
 * A remote entry written on the server since the last sync. A listing in whole seconds (SFTP's
 * own attributes) counts only a later second; see classifyRemote for the second it ended in.
 */
export function isServerEdit(entry: Pick<RemoteEntry, 'mtime' | 'mtimeMs'>, window: ConflictWindow): boolean {
  return classifyRemote(entry, window) === 'edit';
}

/** What mtr itself last wrote at a path (watch mode): size and whole-second mtime as SFTP sets them. */
export interface Written {
  size: number;
  mtime: number;
}

/**
 * 'edit': written on the server since mtr last wrote it; 'ours': what mtr sent. A file this watch
 * session wrote is judged by what it left there (any change is an edit); any other by the last
 * sync's end. 'unsure': the listing has whole seconds only, and it is the second the last sync
 * ended in: the exact time decides (where none can be had, it counts as ours).
 */
export function classifyRemote(entry: Pick<RemoteEntry, 'mtime' | 'mtimeMs'> & { size?: number }, window: ConflictWindow, written?: Written): 'edit' | 'ours' | 'unsure' {
  if (written) return written.size === entry.size && written.mtime === entry.mtime ? 'ours' : 'edit';
  const ms = entry.mtimeMs ?? entry.mtime * 1000;
  if (ms > window.afterMs && ms <= window.untilMs) return 'edit';
  return entry.mtimeMs === undefined && entry.mtime === Math.floor(window.afterMs / 1000) ? 'unsure' : 'ours';
}

/** Is `rel` (remote_dir-relative) the conflicts folder or inside it? */
export function isConflictsPath(rel: string): boolean {
  return rel === CONFLICTS_DIR || rel.startsWith(`${CONFLICTS_DIR}/`);
}

// `@1700000000.123`: GNU touch takes the fraction; BusyBox only whole seconds (its find compares
// whole seconds anyway).
function epoch(ms: number): { exact: string; whole: string } {
  const whole = Math.floor(ms / 1000);
  const fraction = String(Math.round(ms - whole * 1000)).padStart(3, '0');
  return { exact: `${whole}.${fraction === '1000' ? '999' : fraction}`, whole: String(whole) };
}

/**
 * Shell statements that claim a fresh folder `$c/FOLDER` (or `FOLDER-2`, …) as `$d`, by mkdir,
 * which fails when it exists; `$c` must be set. Bounded: `fail` runs when no folder can be made.
 */
function claimFolder(folder: string, fail: string): string[] {
  const base = shellQuote(folder);
  return [
    `mkdir -p "$c" || ${fail}`,
    `d="$c"/${base}; n=1`,
    `while ! mkdir "$d" 2>/dev/null; do n=$((n + 1)); [ "$n" -le 99 ] || ${fail}; d="$c"/${base}-$n; done`,
  ];
}

/** The tag before the report on stderr: folder, count and (for one file) its path, NUL-ended. */
const KEPT_TAG = 'mtr-kept';

export interface KeptReport {
  /** remote_dir-relative folder the server's versions went to. */
  folder: string;
  count: number;
  /** The one file's remote_dir-relative path, when there is one. */
  path?: string;
}

/**
 * Run on the server right after rsync, by the shell that started it (rsync/args.ts), so it costs
 * no round trip: `"$@"` is rsync. rsync moved each file it replaced to `.mtr-conflicts/<incoming>`
 * (`--backup-dir`); those the server edited since the last sync go on to a fresh
 * `.mtr-conflicts/<folder>` (reported on stderr, tagged), the rest (mtr's own earlier versions)
 * are removed. rsync's exit status is kept. Where the times cannot be compared (no `touch -d`)
 * nothing is removed: all is kept. One line, so logs and `ps` show it whole.
 */
export function buildSweepScript(remoteDir: string, incoming: string, window: ConflictWindow): string {
  const after = epoch(window.afterMs);
  const until = epoch(window.untilMs);
  const i = `"$c"/${shellQuote(incoming)}`;
  const compare = `touch -d @${after.exact} "$a" 2>/dev/null || touch -d @${after.whole} "$a" 2>/dev/null`;
  const prune = `(cd ${i} && find . ! -type d \\( ! -newer "../.after-$$" -o -newer "../.until-$$" \\) -exec rm -f {} + ; find . -depth -type d -exec rmdir {} + ) 2>/dev/null`;
  const keep = [
    ...claimFolder(window.folder, 'exit $s'),
    `rmdir "$d" && mv ${i} "$d" || exit $s`,
    `n=$(find "$d" ! -type d -exec printf %.0sx {} + | wc -c)`,
    `printf '\\n\\0${KEPT_TAG}\\0%s\\0%s\\0' "$d" $n >&2`,
    `if [ "$n" -eq 1 ]; then find "$d" ! -type d -exec printf '%s\\0' {} + >&2; fi`,
  ];
  return [
    '"$@"',
    's=$?',
    `cd ${remotePathExpr(remoteDir)} 2>/dev/null || exit $s`,
    `c=${CONFLICTS_DIR}`,
    `[ -d ${i} ] || exit $s`,
    'a="$c"/.after-$$',
    'u="$c"/.until-$$',
    `if { ${compare}; } && touch -d @${until.whole} "$u" 2>/dev/null; then ${prune}; fi`,
    'rm -f "$a" "$u"',
    // Nothing kept: no folder left behind either.
    `if rmdir ${i} 2>/dev/null; then rmdir "$c" 2>/dev/null; exit $s; fi`,
    ...keep,
    'exit $s',
  ].join('; ');
}

/**
 * Moves the listed paths (stdin: NUL-separated, `./`-prefixed, as delete.ts sends them) from
 * remote_dir into a fresh `.mtr-conflicts/<folder>`, keeping their place below it; prints that
 * folder (NUL-ended) on stdout.
 */
export function buildKeepScript(remoteDir: string, folder: string): string {
  return [
    `cd ${remotePathExpr(remoteDir)} || exit 1`,
    `c=${CONFLICTS_DIR}`,
    ...claimFolder(folder, 'exit 1'),
    `printf '%s\\0' "$d"`,
    `xargs -0 sh -c 'for p; do mkdir -p "$0/\${p%/*}" && mv -f -- "$p" "$0/$p" || exit 1; done' "$d"`,
  ].join('\n');
}

/** The sweep's report in rsync's stderr, and that stderr without it. */
export function takeKeptReport(stderr: string): { report?: KeptReport; rest: string } {
  const match = new RegExp(`\\n?\\0${KEPT_TAG}\\0([^\\0]*)\\0(\\d+)\\0(?:([^\\0]*)\\0)?`).exec(stderr);
  if (!match) return { rest: stderr };
  const count = Number(match[2]);
  const report: KeptReport = { folder: match[1] as string, count };
  if (count === 1 && match[3]) report.path = match[3];
  return { report, rest: stderr.slice(0, match.index) + stderr.slice(match.index + match[0].length) };
}

/**
 * The one stderr line for what was kept:
 * `gpu: train.py changed on the server since the last sync; kept its version in .mtr-conflicts/…/train.py`.
 */
export function formatKeptNotice(server: string, reports: readonly KeptReport[]): string | undefined {
  const kept = reports.filter((r) => r.count > 0);
  const count = kept.reduce((sum, r) => sum + r.count, 0);
  if (count === 0) return undefined;
  const only = kept[0] as KeptReport;
  if (count === 1 && only.path) {
    const rel = path.posix.relative(only.folder, only.path);
    return `${server}: ${rel} changed on the server since the last sync; kept its version in ${only.path}`;
  }
  const folders = [...new Set(kept.map((r) => `${r.folder}/`))].join(' and ');
  return `${server}: ${count} files changed on the server since the last sync; kept their versions in ${folders}`;
}
