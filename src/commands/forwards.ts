import { formatForward, type ForwardSpec } from '../config/forward-spec.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { Host, LocalForward } from '../host/types.js';
import type { Logger } from '../log.js';
import type { HostPlan } from '../plan/types.js';
import { connectSession, openSession } from './session.js';

// The local ports a run, --watch, --attach or `mtr --forward` holds open. All are bound before
// anything else starts (a port in use stops the command before a sync or a job); each connection
// goes through a link of the forwards' own, opened at the first connection and again after a drop.

export interface HeldForwards {
  readonly forwards: readonly LocalForward[];
  /** Connects now (`mtr --forward` alone reports a bad link at once). */
  connect(): Promise<Host>;
  close(): Promise<void>;
}

/** Binds every forward on 127.0.0.1; none held when there is nothing to forward. */
export async function holdForwards(ctx: Context, host: HostPlan, projectRoot: string, logger: Logger, specs: readonly ForwardSpec[] | undefined): Promise<HeldForwards | undefined> {
  if (!specs?.length) return undefined;
  const session = openSession(host, projectRoot, logger);
  let current: Promise<Host> | undefined;
  let closed = false;
  const connect = (): Promise<Host> => {
    if (closed) return Promise.reject(new Error('forwards closed'));
    if (!current) {
      const opening = connectSession(session, ctx);
      current = opening;
      opening.then(
        (link) => void link.closed.then(() => {
          if (current === opening) current = undefined;
        }),
        () => {
          if (current === opening) current = undefined;
        },
      );
    }
    return current;
  };
  const { forwardLocalWith } = await import('../host/forward.js');
  const open = (remoteHost: string, remotePort: number) =>
    connect().then((link) => link.forwardOut(remoteHost, remotePort)).catch((error: unknown) => {
      logger.debug(`forward to ${remoteHost}:${remotePort}: ${String(error)}`);
      throw error;
    });
  const bound: LocalForward[] = [];
  try {
    for (const spec of specs) {
      bound.push(await forwardLocalWith(open, { remoteHost: spec.remoteHost, remotePort: spec.remotePort, localPort: spec.localPort }).catch((error: unknown) => {
        throw bindError(spec, error);
      }));
      logger.debug(`forward ${spec.text}: listening on 127.0.0.1:${spec.localPort}`);
    }
  } catch (error) {
    await Promise.all(bound.map((forward) => forward.close()));
    throw error;
  }
  return {
    forwards: bound,
    connect,
    close: async () => {
      closed = true;
      await Promise.all(bound.map((forward) => forward.close()));
      const link = current;
      current = undefined;
      await link?.then((l) => l.close(), () => undefined);
    },
  };
}

/** The line `mtr --forward` prints for each forward it holds. */
export function describeForward(spec: ForwardSpec, server: string): string {
  return `forwarding ${formatForward(spec)} on ${server}`;
}

function bindError(spec: ForwardSpec, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new UsageError(
      `local port ${spec.localPort} is in use (--forward ${spec.text})`,
      `stop what listens there (\`lsof -i :${spec.localPort}\`) or pick another local port: --forward OTHER:${spec.remoteHost}:${spec.remotePort}`,
      error,
    );
  }
  if (code === 'EACCES') {
    return new UsageError(`local port ${spec.localPort} needs privileges to listen on (--forward ${spec.text})`, 'pick a local port above 1023', error);
  }
  return new UsageError(`cannot listen on 127.0.0.1:${spec.localPort} (--forward ${spec.text}): ${String((error as Error)?.message ?? error)}`, 'pick another local port', error);
}
