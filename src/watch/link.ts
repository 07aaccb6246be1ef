import type { Host } from '../host/types.js';
import type { Logger } from '../log.js';
import { backoffDelay } from './backoff.js';

// The kept-open connection of a watch session, and getting a new one after it dropped.

export interface Link {
  /** mtr's own connection (SFTP rides it); `closed` says the link is gone. */
  connection: Host;
  /** The remote $HOME, once an SFTP session told it. */
  home?: string;
}

export async function openLink(connection: Host, onClose: (link: Link) => void): Promise<Link> {
  const link: Link = { connection };
  void connection.closed.then(() => onClose(link));
  return link;
}

export interface ReconnectOptions {
  connect: () => Promise<Host>;
  signal: AbortSignal;
  logger: Logger;
  /** Before each wait: which attempt, how long, and why the last one failed. */
  onWait: (attempt: number, delayMs: number, reason: string | undefined) => void;
  random?: () => number;
}

// Tries again and again, waiting longer each time (capped); undefined once `signal` aborts.
export async function reconnectWithBackoff(options: ReconnectOptions): Promise<Host | undefined> {
  let reason: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const delay = backoffDelay(attempt, options.random);
    options.onWait(attempt, delay, reason);
    if (!(await sleep(delay, options.signal))) return undefined;
    try {
      return await options.connect();
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
      options.logger.debug(`watch: reconnect attempt ${attempt + 1} failed: ${reason}`);
    }
    if (options.signal.aborted) return undefined;
  }
}

/** Resolves true after `ms`, or false at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
