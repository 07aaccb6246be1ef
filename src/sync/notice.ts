import type { Writable } from 'node:stream';

// What a sync has to tell the user besides its result: an engine it fell back to, names it could
// not send, server edits it kept. Values, so each caller renders them its own way (a stderr line
// for a run, a note above watch's status line, a field of a result); the sync code itself never
// writes to a stream.

export type SyncNotice =
  /** The engine auto chose or fell back to, and why (say, no rsync on the server: SFTP). */
  | { kind: 'engine'; engine: 'rsync' | 'sftp'; text: string }
  /** Entries SFTP could not send (names that are not UTF-8). */
  | { kind: 'unsendable'; text: string }
  /** Files edited on the server that were moved aside instead of overwritten (conflicts.ts). */
  | { kind: 'kept'; text: string };

export type Notify = (notice: SyncNotice) => void;

/** The notice as one line, without the `mtr: ` lead. */
export function formatNotice(notice: SyncNotice): string {
  return notice.text;
}

/** How runs and downloads show notices: `mtr: <text>` on stderr. */
export function printNotices(stderr: Pick<Writable, 'write'>): Notify {
  return (notice) => void stderr.write(`mtr: ${formatNotice(notice)}\n`);
}
