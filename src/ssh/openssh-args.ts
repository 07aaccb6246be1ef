// The OpenSSH command rsync runs (`-e`) and a shared master starts with, made to trust and
// authenticate like mtr's own ssh2 connection: same known_hosts files, same keys, same user/port,
// and never a question ssh2 already answered. Pure.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { shellQuote } from '../remote/shell-quote.js';
import { controlMasterOptions, escapePercent } from './control.js';
import { serverAliveOptions } from './keepalive.js';
import type { SshTarget } from './target.js';

export interface SshArgsOptions {
  /** The home mtr uses (may differ from the passwd home OpenSSH would read). */
  homedir: string;
  /** No terminal to ask on: adds BatchMode=yes (only without a password, sshpass needs the prompt). */
  batch: boolean;
  /** Injected for tests; defaults to fs.existsSync. */
  fileExists?: (file: string) => boolean;
}

/** True when a password is configured and no key: ssh must not try keys (sshpass can't answer passphrases). */
export function isPasswordOnly(target: SshTarget): boolean {
  return target.password !== undefined && target.identityFiles.length === 0;
}

export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function knownHostsOption(files: readonly string[]): string {
  const words = files.map((file) => {
    if (file.includes('"')) throw new UsageError(`known_hosts path ${file} contains a double quote, which ssh options cannot carry`, 'rename the file or set `sync: sftp`');
    const escaped = escapePercent(file);
    return /\s/.test(escaped) ? `"${escaped}"` : escaped;
  });
  return `UserKnownHostsFile=${words.join(' ')}`;
}

/** argv for OpenSSH, starting with `ssh`, without the host (rsync appends it). */
export function buildSshArgs(target: SshTarget, opts: SshArgsOptions): string[] {
  const exists = opts.fileExists ?? fs.existsSync;
  const userConfig = path.join(opts.homedir, '.ssh', 'config');
  const args = ['ssh', '-F', exists(userConfig) ? userConfig : '/dev/null', '-p', String(target.port), '-l', target.user];
  for (const key of target.identityFiles) args.push('-i', escapePercent(key));
  if (target.explicitKey) args.push('-o', 'IdentitiesOnly=yes');
  args.push('-o', knownHostsOption(target.knownHostsFiles));
  // mtr's ssh2 connection has already verified (or recorded) the key; ssh must only confirm it.
  args.push('-o', 'StrictHostKeyChecking=yes');
  args.push('-o', `ConnectTimeout=${Math.max(1, Math.ceil(target.connectTimeoutMs / 1000))}`);
  // The same dead-link promise as mtr's own connection (a shared master gets it too).
  args.push(...serverAliveOptions(target.deadLinkTimeout));
  if (opts.batch && target.password === undefined) args.push('-o', 'BatchMode=yes');
  if (isPasswordOnly(target)) {
    args.push('-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'PubkeyAuthentication=no');
  }
  if (target.jumps.length === 1) {
    args.push('-o', `ProxyCommand=${proxyCommandFor(target.jumps[0] as SshTarget, opts)}`);
  } else if (target.jumps.length > 1) {
    // Several hops: -J (their ssh processes read the passwd home's known_hosts; see README).
    args.push('-J', target.jumps.map((hop) => `${hop.user}@${bracketHost(hop.host)}:${hop.port}`).join(','));
  }
  if (target.control) args.push(...controlMasterOptions(target.control.path, target.control.idleSeconds));
  return args;
}

// One hop as a ProxyCommand built from the same options, so the hop trusts the same known_hosts and
// uses the same keys (OpenSSH's -J would hand the hop only -l -p -F). ssh expands %-tokens in the
// command once before running it, so every word is escaped one more level; %h:%p stay tokens.
export function proxyCommandFor(hop: SshTarget, opts: SshArgsOptions): string {
  const hopArgs = buildSshArgs({ ...hop, jumps: [], control: undefined, password: undefined }, { ...opts, batch: true });
  return [...hopArgs.map(escapePercent), '-W', '%h:%p', hop.host].map(shellQuote).join(' ');
}
