// What ~/.ssh/config says about one alias, computed by the `ssh-config` package from text the caller
// read (Includes already inlined by ssh-config-include.ts). Nothing here touches fs or runs commands.
import SSHConfig, { LineType, type Line, type Section } from 'ssh-config';
import { UsageError } from '../errors.js';

export interface SshHost {
  hostName: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
}

export interface JumpHost {
  user?: string;
  host: string;
  port?: number;
}

export interface SshConfigContext {
  homedir: string;
  localUser: string;
}

// `matchExec: false` so `Match exec` never runs; Canonical* lines are dropped because the package would
// call nslookup for them. Values are first-wins, as in ssh; IdentityFile accumulates.
export function resolveSshHost(configText: string, alias: string, opts: SshConfigContext): SshHost {
  const computed = computeHost(configText, alias);
  const hostName = expandTokens(firstValue(computed.hostname) ?? alias, { h: alias });
  const user = firstValue(computed.user);
  const port = parsePort(firstValue(computed.port), alias);
  const tokens = {
    d: opts.homedir,
    h: hostName,
    n: alias,
    p: String(port ?? 22),
    r: user ?? opts.localUser,
    u: opts.localUser,
  };
  const identityFiles = allValues(computed.identityfile).map((file) =>
    expandTokens(expandTilde(file, opts.homedir), tokens),
  );
  const jump = firstValue(computed.proxyjump);
  return {
    hostName,
    ...(user !== undefined ? { user } : {}),
    ...(port !== undefined ? { port } : {}),
    identityFiles,
    ...(jump !== undefined && jump.toLowerCase() !== 'none' ? { proxyJump: jump } : {}),
  };
}

function computeHost(configText: string, alias: string): Record<string, string | string[]> {
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(configText);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot parse ssh config: ${reason}`, 'fix the line in ~/.ssh/config', error);
  }
  dropCanonicalization(config);
  return config.compute({ Host: alias }, { ignoreCase: true, matchExec: false });
}

function dropCanonicalization(lines: Line[]): void {
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i];
    if (line?.type !== LineType.DIRECTIVE) continue;
    if (/^canonical/i.test(line.param)) lines.splice(i, 1);
    else if ('config' in line) dropCanonicalization((line as Section).config);
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function allValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function parsePort(text: string | undefined, where: string): number | undefined {
  if (text === undefined) return undefined;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (port >= 1 && port <= 65535) return port;
  throw new UsageError(`ssh config for ${where}: Port "${text}" is not a port number`, 'use 1–65535');
}

function expandTilde(path: string, homedir: string): string {
  if (path === '~') return homedir;
  return path.startsWith('~/') ? `${homedir}/${path.slice(2)}` : path;
}

// ssh's percent_expand for the tokens we know; unknown ones are left as written.
export function expandTokens(text: string, tokens: Readonly<Record<string, string>>): string {
  return text.replace(/%(.)/g, (whole, key: string) => (key === '%' ? '%' : (tokens[key] ?? whole)));
}

// "user@host:port,host2", "[v6]:port", "ssh://user@host:port" → hops in connection order.
export function parseProxyJump(spec: string): JumpHost[] {
  if (spec.trim().toLowerCase() === 'none') return [];
  return spec.split(',').map((hop) => parseJumpHop(hop.trim(), spec));
}

function parseJumpHop(hop: string, spec: string): JumpHost {
  const bad = (why: string): UsageError =>
    new UsageError(`bad ProxyJump "${spec}": ${why}`, 'write it as user@host:port,host2');
  const text = hop.replace(/^ssh:\/\//i, '').replace(/\/$/, '');
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const { host, portText } = splitHostPort(text.slice(at + 1));
  if (!host) throw bad(`missing host in "${hop}"`);
  if (user === '') throw bad(`empty user in "${hop}"`);
  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw bad(`"${portText}" is not a port number`);
  }
  return { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

function splitHostPort(text: string): { host: string; portText?: string } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const portText = bracketed[2];
    return { host: bracketed[1] ?? '', ...(portText !== undefined ? { portText } : {}) };
  }
  const colons = text.split(':').length - 1;
  // A bare IPv6 address has several colons and cannot carry a port.
  if (colons !== 1) return { host: text };
  const [host = '', portText = ''] = text.split(':');
  return { host, portText };
}
