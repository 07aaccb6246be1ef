import type { ForwardSpec } from '../config/forward-spec.js';
import type { ServerConfig } from '../config/types.js';
import { UsageError } from '../errors.js';

// The local ports a single-server action holds open: --forward first, then the server's `forward:`.
// Pure. One local port can go to one place only; several servers cannot share one local port.

export function planForwards(flags: readonly ForwardSpec[] | undefined, server: ServerConfig): ForwardSpec[] {
  const forwards = [...(flags ?? []), ...(server.forwards ?? [])];
  const seen = new Map<number, ForwardSpec>();
  for (const forward of forwards) {
    const other = seen.get(forward.localPort);
    if (other) {
      throw new UsageError(
        `local port ${forward.localPort} is forwarded twice (${other.text} and ${forward.text}, with the \`forward:\` of ${server.name})`,
        `give another local port, e.g. --forward ${nextPort(forward.localPort)}:${forward.remoteHost}:${forward.remotePort}`,
      );
    }
    seen.set(forward.localPort, forward);
  }
  return forwards;
}

/** With several servers: --forward is refused (which one would get the port?), `forward:` is not used. */
export function refuseFanOutForwards(flags: readonly ForwardSpec[] | undefined, servers: readonly string[]): void {
  if (flags?.length && servers.length > 1) {
    throw new UsageError(`--forward needs a single server (got ${servers.join(', ')}): which one would get the port?`, 'pick one with -s NAME');
  }
}

function nextPort(port: number): number {
  return port < 65535 ? port + 1 : port - 1;
}
