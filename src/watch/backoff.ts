// Delays between reconnect attempts: exponential, capped, with jitter so many clients that lost the
// same server do not all knock at once. Pure: randomness is passed in.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** ± fraction of the delay, e.g. 0.2 → 80 %–120 %. */
  jitter: number;
}

export const RECONNECT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 15_000, factor: 2, jitter: 0.2 };

/** Delay before attempt `attempt` (0 = the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number = Math.random, options: BackoffOptions = RECONNECT_BACKOFF): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** exponent);
  const spread = 1 - options.jitter + 2 * options.jitter * random();
  return Math.round(Math.min(options.maxMs, base * spread));
}
