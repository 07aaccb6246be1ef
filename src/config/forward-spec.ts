// `--forward SPEC` and a server's `forward:` list: a local port that reaches a port seen from the
// server. `PORT` (the same port on both sides), `LOCAL:PORT`, or `LOCAL:HOST:PORT` where HOST is
// a name or address as the server sees it (default localhost). IPv6 addresses go in brackets.

export interface ForwardSpec {
  /** The local port mtr listens on (127.0.0.1 only). */
  localPort: number;
  /** Where the server connects to. */
  remoteHost: string;
  remotePort: number;
  /** The spec as written, for messages. */
  text: string;
}

const PORT = /^[0-9]{1,5}$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;

function port(text: string): number | undefined {
  if (!PORT.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= 65535 ? value : undefined;
}

/** The spec, or a one-line reason it is not one. */
export function parseForwardSpec(text: string): ForwardSpec | string {
  const trimmed = text.trim();
  const bracket = /^([0-9]+):(\[[^\]]*\]):([0-9]+)$/.exec(trimmed);
  const parts = bracket ? [bracket[1] as string, bracket[2] as string, bracket[3] as string] : trimmed.split(':');
  const [a, b, c] = parts;
  if (parts.length === 1 && a !== undefined) {
    const p = port(a);
    return p === undefined ? `not a port (1-65535): ${JSON.stringify(text)}` : { localPort: p, remoteHost: 'localhost', remotePort: p, text: trimmed };
  }
  if (parts.length === 2 && a !== undefined && b !== undefined) {
    const local = port(a);
    const remote = port(b);
    if (local === undefined || remote === undefined) return `expected LOCAL:PORT with ports 1-65535, got ${JSON.stringify(text)}`;
    return { localPort: local, remoteHost: 'localhost', remotePort: remote, text: trimmed };
  }
  if (parts.length === 3 && a !== undefined && b !== undefined && c !== undefined) {
    const local = port(a);
    const remote = port(c);
    if (local === undefined || remote === undefined) return `expected LOCAL:HOST:PORT with ports 1-65535, got ${JSON.stringify(text)}`;
    if (!HOST.test(b)) return `not a host name or address: ${JSON.stringify(b)}`;
    return { localPort: local, remoteHost: b.startsWith('[') ? b.slice(1, -1) : b, remotePort: remote, text: trimmed };
  }
  return `expected PORT, LOCAL:PORT or LOCAL:HOST:PORT, got ${JSON.stringify(text)}`;
}

/** `127.0.0.1:9000 → localhost:8888`, as the messages and the dry run show a forward. */
export function formatForward(spec: ForwardSpec): string {
  const remoteHost = spec.remoteHost.includes(':') ? `[${spec.remoteHost}]` : spec.remoteHost;
  return `127.0.0.1:${spec.localPort} → ${remoteHost}:${spec.remotePort}`;
}
