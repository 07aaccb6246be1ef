import type { Context } from '../context.js';
import { MtrError } from '../errors.js';
import { formatNotice, type SyncNotice } from '../sync/notice.js';
import { formatBytes } from '../ui/progress.js';

// What `mtr --watch` tells the user. On a terminal (and no command running): one status line, redrawn
// in place. Otherwise: one stderr line per sync. Errors, notes, notices and restart separators are
// always lines.

export interface SyncReport {
  at: Date;
  /** Full project sync (start, after a reconnect) or just the changed paths. */
  full: boolean;
  filesSent: number;
  bytesSent: number;
  deleted: number;
  /** How long the sync itself took. */
  ms: number;
  /** First change seen → remote updated (incremental syncs only). */
  latencyMs?: number;
  /** Full syncs: files considered, and the engine. */
  filesTotal?: number;
  engine?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatClock(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * `synced 3 files (1.2 KB, deleted 1) in 42 ms, 130 ms after the change`, or for a full sync
 * `synced 1 of 2 files (2 B) via rsync in 1.2 s` (without the `mtr: `): watch's lines and a run's -v summary.
 */
export function formatSyncLine(report: Omit<SyncReport, 'at'>): string {
  const deleted = report.deleted ? `, deleted ${report.deleted}` : '';
  const what =
    report.full && report.filesTotal !== undefined
      ? `synced ${report.filesSent} of ${plural(report.filesTotal, 'file')}`
      : `synced ${plural(report.filesSent, 'file')}`;
  const via = report.engine ? ` via ${report.engine}` : '';
  const latency = report.latencyMs === undefined ? '' : `, ${formatMs(report.latencyMs)} after the change`;
  return `${what} (${formatBytes(report.bytesSent)}${deleted})${via} in ${formatMs(report.ms)}${latency}`;
}

/** `sync failed: <message> (fix: <hint>)` (without the `mtr: `). */
export function formatSyncFailure(error: unknown): string {
  const hint = error instanceof MtrError && error.hint ? ` (fix: ${error.hint})` : '';
  return `sync failed: ${error instanceof Error ? error.message : String(error)}${hint}`;
}

/** `src/a.py`, `src/a.py, b.py`, `src/a.py and 4 more`. */
export function describePaths(paths: readonly string[], max = 2): string {
  if (paths.length <= max) return paths.join(', ');
  return `${paths.slice(0, max - 1).join(', ')} and ${paths.length - max + 1} more`;
}

/** The stderr line between two runs of the command. */
export function formatRestartLine(run: number, why: string): string {
  return `──── mtr: ${why}: restarting (run ${run}) ────`;
}

export type WatchPhase =
  | { kind: 'starting' }
  | { kind: 'watching' }
  | { kind: 'syncing'; paths: number }
  | { kind: 'reconnecting'; attempt: number; inMs: number; reason?: string };

export interface StatusState {
  target: string;
  phase: WatchPhase;
  last?: SyncReport;
  syncs: number;
}

// One line for the terminal, cut to its width: `mtr watch → gpu1:~/proj · last sync 12:03:04 …`.
export function formatStatusLine(state: StatusState, columns = 80): string {
  const parts = [`mtr watch → ${state.target}`];
  const { phase, last } = state;
  if (phase.kind === 'starting') parts.push('initial sync…');
  else if (phase.kind === 'syncing') parts.push(`syncing ${plural(phase.paths, 'change')}…`);
  else if (phase.kind === 'reconnecting') {
    parts.push(`connection lost, reconnecting (attempt ${phase.attempt + 1}, in ${formatMs(phase.inMs)})${phase.reason ? `: ${phase.reason}` : ''}`);
  }
  if (last) {
    const latency = last.latencyMs ?? last.ms;
    parts.push(`last sync ${formatClock(last.at)}: ${plural(last.filesSent, 'file')}${last.deleted ? `, ${last.deleted} deleted` : ''}, ${formatMs(latency)}`);
  }
  if (phase.kind === 'watching') parts.push(`${plural(state.syncs, 'sync')} · Ctrl+C to stop`);
  const line = parts.join(' · ');
  const width = Math.max(10, columns - 1);
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

export interface WatchStatus {
  phase(phase: WatchPhase): void;
  synced(report: SyncReport): void;
  /** A note as a full line (`mtr: ` is added); the status line is redrawn below it. */
  line(text: string): void;
  /** What a sync had to say (another engine, names not sent), as a note. */
  notice(notice: SyncNotice): void;
  /** The separator between two runs of the command. */
  restart(run: number, why: string): void;
  /** A sync failed (the watch goes on): a note, then back to watching. */
  failed(error: unknown): void;
  /** Leaves the terminal clean (status line ended with a newline). */
  close(): void;
}

export interface WatchStatusOptions {
  /** Draw the status line (stderr is a terminal and no command shares it). */
  live: boolean;
  /** No per-sync lines in batch mode (-q). */
  quiet: boolean;
  /** The server, shown in the status line. */
  target: string;
}

export function createWatchStatus(ctx: Pick<Context, 'stderr'>, options: WatchStatusOptions): WatchStatus {
  const state: StatusState = { target: options.target, phase: { kind: 'starting' }, syncs: 0 };
  const out = ctx.stderr;
  let drawn = false;
  const draw = () => {
    if (!options.live) return;
    out.write(`\r\x1b[2K${formatStatusLine(state, out.columns || 80)}`);
    drawn = true;
  };
  const clear = () => {
    if (drawn) out.write('\r\x1b[2K');
    drawn = false;
  };
  // A full line of its own, above the status line.
  const above = (text: string) => {
    clear();
    out.write(`${text}\n`);
    draw();
  };
  return {
    phase(phase) {
      state.phase = phase;
      draw();
    },
    synced(report) {
      state.last = report;
      state.syncs++;
      state.phase = { kind: 'watching' };
      if (options.live) return draw();
      if (!options.quiet) out.write(`mtr: ${formatSyncLine(report)}\n`);
    },
    line(text) {
      above(`mtr: ${text}`);
    },
    notice(notice) {
      above(`mtr: ${formatNotice(notice)}`);
    },
    restart(run, why) {
      above(formatRestartLine(run, why));
    },
    failed(error) {
      above(`mtr: ${formatSyncFailure(error)}`);
      state.phase = { kind: 'watching' };
      draw();
    },
    close() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
