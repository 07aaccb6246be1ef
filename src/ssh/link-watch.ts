import type { KeepalivePlan } from './keepalive.js';

// ssh2 counts only replies to its own keepalives, so a reply stuck behind a busy slow link looks like
// a dead one. This watch counts every byte from the server instead (ssh2 still sends the keepalives
// that make a quiet link answer), and calls `onDead` after plan.silenceMs without one.

export interface Clock {
  now(): number;
  setInterval(fn: () => void, ms: number): { unref?(): void };
  clearInterval(timer: unknown): void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout),
};

/** Returns the stopper. `source` is the socket (or a ProxyJump hop's channel) the server's bytes arrive on. */
export function watchLink(
  source: NodeJS.ReadableStream,
  plan: Pick<KeepalivePlan, 'checkMs' | 'silenceMs'>,
  onDead: (silentMs: number) => void,
  clock: Clock = systemClock,
): () => void {
  let heard = clock.now();
  let checked = heard;
  const onData = () => {
    heard = clock.now();
  };
  source.on('data', onData);
  const timer = clock.setInterval(() => {
    const now = clock.now();
    // A late check means this process was not running (a blocked loop, a suspended laptop): bytes
    // may be waiting unread, so the silence is not the server's. Start counting again.
    if (now - checked > plan.checkMs * 2) heard = now;
    checked = now;
    if (now - heard >= plan.silenceMs) {
      stop();
      onDead(now - heard);
    }
  }, plan.checkMs);
  timer.unref?.();
  let stopped = false;
  function stop(): void {
    if (stopped) return;
    stopped = true;
    clock.clearInterval(timer);
    source.removeListener('data', onData);
  }
  return stop;
}
