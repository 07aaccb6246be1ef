// Turns a stream of file events into batches: debounced (a quiet period), bounded (a max wait from
// the first event), de-duplicated per path and serial (one batch in flight; events arriving meanwhile
// form the next). Pure apart from the timers, which are injected (tests use fake timers).
import { comparePaths } from '../util/compare.js';

export type WatchEventKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface WatchEvent {
  kind: WatchEventKind;
  /** POSIX, relative to the project root. */
  path: string;
}

export interface Removal {
  path: string;
  isDir: boolean;
}

export interface ChangeBatch {
  /** Paths that exist after the batch's events (files, dirs, symlinks), sorted. */
  upserts: string[];
  /** Paths that existed before the batch and are gone after it, sorted. */
  removals: Removal[];
  /** Raw events folded into the batch. */
  events: number;
  firstEventAt: number;
  lastEventAt: number;
  reason: 'quiet' | 'max-wait';
}

interface PathState {
  /** What the batch's first event says about before: `add` means it was not there. */
  existedBefore: boolean;
  exists: boolean;
  isDir: boolean;
}

const CREATES: ReadonlySet<WatchEventKind> = new Set(['add', 'addDir']);
const REMOVES: ReadonlySet<WatchEventKind> = new Set(['unlink', 'unlinkDir']);

// Folds one event into the per-path states. Editors' save patterns reduce to one change:
// write temp + rename → temp added then removed (dropped), target changed; a rename → old removed,
// new added; unlink then add (delete + recreate) → the path exists, so it is an upsert.
export function foldEvent(states: Map<string, PathState>, event: WatchEvent): void {
  const isDir = event.kind === 'addDir' || event.kind === 'unlinkDir';
  const exists = !REMOVES.has(event.kind);
  const state = states.get(event.path);
  if (state) {
    state.exists = exists;
    state.isDir = isDir;
  } else {
    states.set(event.path, { existedBefore: !CREATES.has(event.kind), exists, isDir });
  }
}

/** The batch a set of states stands for; paths created and removed within it vanish. */
export function summarize(states: ReadonlyMap<string, PathState>): Pick<ChangeBatch, 'upserts' | 'removals'> {
  const upserts: string[] = [];
  const removals: Removal[] = [];
  for (const [path, state] of states) {
    if (state.exists) upserts.push(path);
    else if (state.existedBefore) removals.push({ path, isDir: state.isDir });
  }
  upserts.sort(comparePaths);
  removals.sort((a, b) => comparePaths(a.path, b.path));
  return { upserts, removals };
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface BatcherOptions {
  /** Flush after this long without events. */
  quietMs: number;
  /** Flush at the latest this long after the first event of a batch, even while events go on. */
  maxWaitMs: number;
  /** Handles one batch; the next is not handed over before this settles. */
  onBatch: (batch: ChangeBatch) => Promise<void> | void;
  /** Called when onBatch throws (it should not: a batch's errors belong to its handler). */
  onError?: (error: unknown) => void;
  /** Paths dropped on arrival (ignore rules, editor temp files). */
  isIgnored?: (path: string, isDir: boolean) => boolean;
  timers?: Timers;
}

export interface Batcher {
  push(event: WatchEvent): void;
  /** Paths waiting for the next batch. */
  readonly pending: number;
  /** Resolves when no batch is in flight. */
  idle(): Promise<void>;
  /** Drops pending events and stops the timers; later events are ignored. */
  close(): void;
}

export function createBatcher(options: BatcherOptions): Batcher {
  const timers = options.timers ?? realTimers;
  let states = new Map<string, PathState>();
  let events = 0;
  let firstEventAt = 0;
  let lastEventAt = 0;
  let quietTimer: unknown;
  let maxTimer: unknown;
  let inFlight: Promise<void> | undefined;
  let due: ChangeBatch['reason'] | undefined;
  let closed = false;

  const clearTimers = () => {
    if (quietTimer !== undefined) timers.clearTimeout(quietTimer);
    if (maxTimer !== undefined) timers.clearTimeout(maxTimer);
    quietTimer = maxTimer = undefined;
  };

  const flush = (reason: ChangeBatch['reason']) => {
    clearTimers();
    due = undefined;
    const batch: ChangeBatch = { ...summarize(states), events, firstEventAt, lastEventAt, reason };
    states = new Map();
    events = 0;
    if (!batch.upserts.length && !batch.removals.length) return;
    inFlight = (async () => {
      try {
        await options.onBatch(batch);
      } catch (error) {
        options.onError?.(error);
      }
    })().finally(() => {
      inFlight = undefined;
      if (!closed && due && states.size) flush(due);
    });
  };

  // A timer went off: flush now, or as soon as the batch in flight is done.
  const expire = (reason: ChangeBatch['reason']) => {
    clearTimers();
    if (inFlight) due ??= reason;
    else flush(reason);
  };

  return {
    push(event) {
      if (closed || options.isIgnored?.(event.path, event.kind === 'addDir' || event.kind === 'unlinkDir')) return;
      const now = timers.now();
      if (events === 0) firstEventAt = now;
      lastEventAt = now;
      events++;
      foldEvent(states, event);
      if (due) return;
      if (quietTimer !== undefined) timers.clearTimeout(quietTimer);
      quietTimer = timers.setTimeout(() => expire('quiet'), options.quietMs);
      if (maxTimer === undefined) {
        maxTimer = timers.setTimeout(() => expire('max-wait'), Math.max(0, firstEventAt + options.maxWaitMs - now));
      }
    },
    get pending() {
      return states.size;
    },
    async idle() {
      while (inFlight) await inFlight;
    },
    close() {
      closed = true;
      clearTimers();
      states = new Map();
      events = 0;
    },
  };
}
