import { execFile } from 'node:child_process';

// Which local rsync we drive decides the flags: macOS ships 2.6.9 or openrsync, Linux 3.x.
export interface RsyncVersion {
  major: number;
  minor: number;
  patch: number;
  /** openrsync (macOS 15+, OpenBSD): its own flag set and no quoting in -e. */
  openrsync: boolean;
}

export interface RsyncCapabilities {
  /** `--info=progress2` (3.1.0+). */
  infoProgress2: boolean;
  /** `--mkpath` (3.2.3+); unused: `--rsync-path='mkdir -p …'` works everywhere. */
  mkpath: boolean;
  /** rsync 3.2.4+ backslash-escapes remote path args itself; older ones hand them to the remote shell raw. */
  escapesRemoteArgs: boolean;
  /** `-e` honours quotes (rsync 2.6+); openrsync splits on whitespace only. */
  quotedRsh: boolean;
  /** `--modify-window=-1`: mtimes compared to the nanosecond (3.1.3+; the receiver must be too). */
  nanosecondWindow: boolean;
}

export type ProgressMode = 'info2' | 'legacy' | 'none';

const RSYNC_LINE = /^\s*rsync\s+version\s+v?(\d+)\.(\d+)(?:\.(\d+))?/im;
const OPENRSYNC_LINE = /^\s*openrsync\b/im;
const COMPAT_LINE = /rsync\s+version\s+v?(\d+)\.(\d+)(?:\.(\d+))?\s+compatible/i;

/** Parses `rsync --version` output; undefined when it is not rsync's. */
export function parseRsyncVersion(text: string): RsyncVersion | undefined {
  if (OPENRSYNC_LINE.test(text)) {
    // Old openrsync prints only its protocol; treat it as the 2.6.9 it imitates.
    const compat = COMPAT_LINE.exec(text);
    return compat ? toVersion(compat, true) : { major: 2, minor: 6, patch: 9, openrsync: true };
  }
  const match = RSYNC_LINE.exec(text);
  return match ? toVersion(match, false) : undefined;
}

function toVersion(match: RegExpExecArray, openrsync: boolean): RsyncVersion {
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), openrsync };
}

function atLeast(v: RsyncVersion, major: number, minor: number, patch: number): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

export function rsyncCapabilities(v: RsyncVersion): RsyncCapabilities {
  const gnu = !v.openrsync;
  return {
    infoProgress2: gnu && atLeast(v, 3, 1, 0),
    mkpath: gnu && atLeast(v, 3, 2, 3),
    escapesRemoteArgs: gnu && atLeast(v, 3, 2, 4),
    quotedRsh: gnu,
    nanosecondWindow: gnu && atLeast(v, 3, 1, 3),
  };
}

// openrsync's --progress output differs (to-check counts up) and is not worth guessing at: no progress.
export function progressModeFor(v: RsyncVersion): ProgressMode {
  if (v.openrsync) return 'none';
  return rsyncCapabilities(v).infoProgress2 ? 'info2' : 'legacy';
}

export function formatRsyncVersion(v: RsyncVersion): string {
  const number = `${v.major}.${v.minor}.${v.patch}`;
  return v.openrsync ? `openrsync (rsync ${number} compatible)` : `rsync ${number}`;
}

/** Runs `rsync --version`; undefined when no rsync is on PATH (or it is not one we recognise). */
export function detectLocalRsync(options: { env?: NodeJS.ProcessEnv; command?: string } = {}): Promise<RsyncVersion | undefined> {
  return new Promise((resolve) => {
    const child = execFile(
      options.command ?? 'rsync',
      ['--version'],
      { env: options.env ?? process.env, timeout: 10_000, maxBuffer: 1 << 20 },
      (_error, stdout, stderr) => resolve(parseRsyncVersion(`${stdout}\n${stderr}`)),
    );
    child.stdin?.end();
  });
}
