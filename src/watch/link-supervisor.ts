import { ConnectionError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Host } from '../host/types.js';
import { openLink, reconnectWithBackoff, type Link } from './link.js';

// Watch's kept-open connection as a small state machine: down until attached, up, down again when
// it drops (the owner reconnects), stopping once the watch ends (no more reconnects; the link, if
// any, still serves the last stop of the command), closed at the very end.

export type LinkState =
  | { kind: 'down' }
  | { kind: 'up'; link: Link }
  | { kind: 'stopping'; link?: Link }
  | { kind: 'closed' };

export type LinkEvent =
  | { kind: 'attached'; link: Link }
  | { kind: 'dropped'; link: Link }
  | { kind: 'stop' }
  | { kind: 'close' };

// Pure. Only the current link's drop counts (an old link closing late changes nothing); a link
// attached after the end is not kept.
export function nextLinkState(state: LinkState, event: LinkEvent): LinkState {
  switch (event.kind) {
    case 'attached':
      if (state.kind === 'closed') return state;
      return state.kind === 'stopping' ? { kind: 'stopping', link: event.link } : { kind: 'up', link: event.link };
    case 'dropped':
      if (linkOf(state) !== event.link) return state;
      return state.kind === 'stopping' ? { kind: 'stopping' } : { kind: 'down' };
    case 'stop':
      return state.kind === 'closed' || state.kind === 'stopping' ? state : { kind: 'stopping', ...(state.kind === 'up' ? { link: state.link } : {}) };
    case 'close':
      return { kind: 'closed' };
  }
}

export function linkOf(state: LinkState): Link | undefined {
  return state.kind === 'up' || state.kind === 'stopping' ? state.link : undefined;
}

/** The link went from up to down: a reconnect is due. */
export const isDrop = (before: LinkState, after: LinkState): boolean => before.kind === 'up' && after.kind === 'down';

export interface LinkSupervisorOptions {
  connect: () => Promise<Host>;
  logger: Logger;
  /** Aborted when the watch stops: no reconnect after that. */
  signal: AbortSignal;
  /** The link dropped (not while stopping): call reconnect() when it is your turn. */
  onDrop: () => void;
  /** Before each reconnect attempt's wait. */
  onWait: (attempt: number, inMs: number, reason: string | undefined) => void;
}

export interface LinkSupervisor {
  /** The link while up (and while stopping, if it still was up). */
  readonly link: Link | undefined;
  /** The link, or a ConnectionError when there is none. */
  current(): Link;
  attach(connection: Host): Promise<void>;
  /** Tries again and again (backoff) until connected; false when the watch stopped first. */
  reconnect(): Promise<boolean>;
  /** Closes the link, waiting for nothing. */
  close(): void;
}

export function createLinkSupervisor(options: LinkSupervisorOptions): LinkSupervisor {
  const { logger, signal } = options;
  let state: LinkState = { kind: 'down' };
  const apply = (event: LinkEvent) => {
    const before = state;
    state = nextLinkState(state, event);
    return before;
  };
  signal.addEventListener('abort', () => apply({ kind: 'stop' }), { once: true });
  if (signal.aborted) apply({ kind: 'stop' });

  const attach = async (connection: Host): Promise<void> => {
    const link = await openLink(connection, (closed) => {
      const before = apply({ kind: 'dropped', link: closed });
      if (!isDrop(before, state)) return;
      logger.debug('watch: connection closed');
      options.onDrop();
    });
    apply({ kind: 'attached', link });
    if (state.kind === 'closed') connection.close();
  };

  return {
    get link() {
      return linkOf(state);
    },
    current() {
      const link = linkOf(state);
      if (!link) throw new ConnectionError('not connected');
      return link;
    },
    attach,
    async reconnect() {
      const connection = await reconnectWithBackoff({ connect: options.connect, signal, logger, onWait: options.onWait });
      if (!connection) return false;
      if (signal.aborted) {
        connection.close();
        return false;
      }
      await attach(connection);
      return true;
    },
    close() {
      const link = linkOf(state);
      apply({ kind: 'close' });
      link?.connection.close();
    },
  };
}
