import path from 'node:path';
import type { HostKeyPolicy, ServerConfig } from '../config/types.js';
import { parseProxyJump, resolveSshHost } from './ssh-config.js';

// Where and as whom to connect, after ~/.ssh/config was applied. Values from mtr's config win.
export interface SshTarget {
  /** Name shown to the user (config host or alias). */
  label: string;
  /** Host to dial and to look up in known_hosts. */
  host: string;
  port: number;
  user: string;
  /** Explicit key_filename first, then ssh_config IdentityFile entries. */
  identityFiles: string[];
  /** True when key_filename was configured: a missing file is an error, not a skip. */
  explicitKey: boolean;
  password?: string;
  /** ProxyJump hops, outermost first. */
  jumps: SshTarget[];
  connectTimeoutMs: number;
  /** Seconds of silence from the server after which the link counts as dead (keepalive.ts; default 30). */
  deadLinkTimeout?: number;
  hostKeyPolicy: HostKeyPolicy;
  /** known_hosts files to read, in order; new keys are written to the first. */
  knownHostsFiles: string[];
  /** Shared-connection socket: OpenSSH commands for this target join or become its master. */
  control?: { path: string; idleSeconds: number };
}

export interface TargetEnv {
  homedir: string;
  localUser: string;
  /** Text of ~/.ssh/config with Include already expanded; undefined when absent. */
  sshConfigText?: string;
}

export const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function knownHostsFilesFor(server: Pick<ServerConfig, 'knownHostsFile'>, homedir: string): string[] {
  const files = [path.join(homedir, '.ssh', 'known_hosts')];
  if (server.knownHostsFile) files.unshift(server.knownHostsFile);
  return files;
}

export function resolveTarget(server: ServerConfig, env: TargetEnv): SshTarget {
  const ssh = env.sshConfigText
    ? resolveSshHost(env.sshConfigText, server.host, { homedir: env.homedir, localUser: env.localUser })
    : undefined;
  const identityFiles = [...(server.keyFilename ? [server.keyFilename] : []), ...(ssh?.identityFiles ?? [])];
  const common = {
    connectTimeoutMs: server.connectTimeout * 1000,
    deadLinkTimeout: server.deadLinkTimeout,
    hostKeyPolicy: server.strictHostKeyChecking,
    knownHostsFiles: knownHostsFilesFor(server, env.homedir),
  };
  const jumps = (ssh?.proxyJump ? parseProxyJump(ssh.proxyJump) : []).map((hop): SshTarget => {
    const hopSsh = env.sshConfigText
      ? resolveSshHost(env.sshConfigText, hop.host, { homedir: env.homedir, localUser: env.localUser })
      : undefined;
    return {
      label: hop.host,
      host: hopSsh?.hostName ?? hop.host,
      port: hop.port ?? hopSsh?.port ?? 22,
      user: hop.user ?? hopSsh?.user ?? env.localUser,
      identityFiles: hopSsh?.identityFiles ?? [],
      explicitKey: false,
      jumps: [],
      ...common,
    };
  });
  return {
    label: server.host,
    host: ssh?.hostName ?? server.host,
    port: server.port ?? ssh?.port ?? 22,
    user: server.user ?? ssh?.user ?? env.localUser,
    identityFiles,
    explicitKey: Boolean(server.keyFilename),
    password: server.password,
    jumps,
    ...common,
  };
}
