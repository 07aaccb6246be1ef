import { DEFAULT_DEAD_LINK_TIMEOUT } from '../config/types.js';

// How mtr notices a dead link (a pulled cable sends no FIN, no RST: nothing arrives, ever): ask the
// server every `intervalSeconds` and give up once it has been silent for the timeout. Any byte from
// the server counts as an answer, so a slow link that still moves data is never called dead.

export interface KeepalivePlan {
  /** Seconds between keepalive requests (ssh2's keepaliveInterval, OpenSSH's ServerAliveInterval). */
  intervalSeconds: number;
  /** Unanswered requests OpenSSH allows: it gives up after intervalSeconds × (countMax + 1) of silence. */
  countMax: number;
  /** How often mtr's own watch (ssh2 connections) looks at the link. */
  checkMs: number;
  /** Silence after which mtr's watch calls the link dead: detected at most timeout seconds after it died. */
  silenceMs: number;
}

export function planKeepalive(timeoutSeconds: number = DEFAULT_DEAD_LINK_TIMEOUT): KeepalivePlan {
  const timeout = Math.max(2, Math.round(timeoutSeconds));
  const intervalSeconds = Math.max(1, Math.floor(timeout / 6));
  const countMax = Math.max(1, Math.floor(timeout / intervalSeconds) - 1);
  const checkMs = (intervalSeconds * 1000) / 2;
  // The last answer came at most one interval before the link died; one check may pass in between.
  return { intervalSeconds, countMax, checkMs, silenceMs: timeout * 1000 - checkMs };
}

/** `ssh -o` options for the same promise, for rsync's ssh and the shared master. */
export function serverAliveOptions(timeoutSeconds?: number): string[] {
  const plan = planKeepalive(timeoutSeconds);
  return ['-o', `ServerAliveInterval=${plan.intervalSeconds}`, '-o', `ServerAliveCountMax=${plan.countMax}`];
}
