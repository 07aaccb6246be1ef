import { ConnectionError } from '../errors.js';
import type { HostKeyRefusal } from './host-verify.js';
import type { SshTarget } from './target.js';

export interface ConnectFailure {
  target: SshTarget;
  refusal?: HostKeyRefusal;
  /** Auth methods offered, in order ("key ~/.ssh/id", "ssh-agent", "password"). */
  tried: string[];
}

function where(target: SshTarget): string {
  return target.port === 22 ? target.host : `${target.host}:${target.port}`;
}

function hostKeyError(refusal: HostKeyRefusal, target: SshTarget): ConnectionError {
  const key = `${refusal.keyType} ${refusal.fingerprint}`;
  if (refusal.kind === 'unknown' || refusal.kind === 'cancelled') {
    return new ConnectionError(
      `host key of ${refusal.host} is not known (${key}); refusing to connect in batch mode`,
      `if that fingerprint is right, set \`strict_host_key_checking: accept-new\` for this server in .mtr/config.yaml, ` +
        `or run mtr once at a terminal and answer "yes", or add it with \`ssh-keyscan -p ${target.port} ${target.host} >> ~/.ssh/known_hosts\``,
    );
  }
  if (refusal.kind === 'revoked') {
    return new ConnectionError(
      `host key of ${refusal.host} (${key}) is marked @revoked in ${refusal.file}:${refusal.line}; refusing to connect`,
      `a revoked key was withdrawn on purpose (leaked or replaced): ask the server's admin for its current host key. ` +
        `Remove the @revoked line only if you know this key is safe`,
    );
  }
  return new ConnectionError(
    `HOST KEY CHANGED for ${refusal.host}: the server presents ${key}, which does not match ${refusal.file}:${refusal.line}. ` +
      'Someone could be intercepting the connection; refusing to connect',
    `if the server was really reinstalled, remove the old key with \`ssh-keygen -R '${refusal.host}' -f ${refusal.file}\` and connect again`,
  );
}

// Turns whatever ssh2 or the socket threw into one line a user can act on. All exit 255, like ssh.
export function describeConnectError(error: unknown, failure: ConnectFailure): ConnectionError {
  const { target } = failure;
  if (failure.refusal) return hostKeyError(failure.refusal, target);
  const err = error as NodeJS.ErrnoException & { level?: string };
  const at = where(target);
  const configHint = 'check host and port in .mtr/config.yaml (or ~/.ssh/config), and that sshd runs there';
  switch (err.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(`cannot connect to ${at}: connection refused`, configHint, error);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`cannot resolve host name "${target.host}"`, configHint, error);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectionError(`cannot reach ${at}: no route to host`, configHint, error);
    case 'ECONNRESET':
      return new ConnectionError(`connection to ${at} was reset by the server`, undefined, error);
    case 'ETIMEDOUT':
      return new ConnectionError(
        `timed out after ${target.connectTimeoutMs / 1000} s connecting to ${at}`,
        'check the network/VPN, or raise connect_timeout in .mtr/config.yaml',
        error,
      );
  }
  if (err.level === 'client-timeout') {
    return new ConnectionError(`timed out after ${target.connectTimeoutMs / 1000} s waiting for the SSH handshake with ${at}`, configHint, error);
  }
  if (err.level === 'client-authentication') {
    if (failure.tried.length === 0) {
      return new ConnectionError(
        `no credentials to offer ${target.user}@${at}`,
        'set key_filename or password for this server in .mtr/config.yaml, or load a key into ssh-agent',
        error,
      );
    }
    return new ConnectionError(
      `authentication failed for ${target.user}@${at} (tried: ${failure.tried.join(', ')})`,
      'check user, key_filename and password in .mtr/config.yaml',
      error,
    );
  }
  return new ConnectionError(`connection to ${at} failed: ${err.message ?? String(error)}`, undefined, error);
}
