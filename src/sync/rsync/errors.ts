// Turns how rsync (or sshpass around it) ended into one message and a fix. ssh failures reach us as
// rsync codes 12/255 with ssh's own words on stderr, so stderr is read first and the code second.
import { ConnectionError, MtrError, SyncError } from '../../errors.js';

export type RsyncEngine = 'rsync' | 'sshpass';

const SFTP_HINT = 'or set `sync: sftp` for this server';

const CODE_NAMES: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files or directories',
  5: 'error starting the client-server protocol',
  10: 'socket I/O error',
  11: 'file I/O error',
  12: 'error in the rsync protocol data stream',
  13: 'errors with program diagnostics',
  14: 'IPC error',
  20: 'interrupted by a signal',
  21: 'waitpid error',
  22: 'out of memory',
  23: 'partial transfer due to errors',
  25: '--max-delete stopped deletions',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for the daemon',
  127: 'command not found',
  255: 'ssh failed',
};

/** The stderr lines worth showing: no blank lines or @@@ banners, at most `max`, each shortened. */
export function tailLines(stderr: string, max = 6): string[] {
  return stderr
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line && !/^@+/.test(line))
    .slice(-max)
    .map((line) => (line.length > 240 ? `${line.slice(0, 237)}...` : line));
}

function withTail(message: string, stderr: string): string {
  const lines = tailLines(stderr);
  return lines.length ? `${message}\n${lines.map((line) => `    ${line}`).join('\n')}` : message;
}

/** The server has no rsync: `sync: auto` falls back to SFTP on this one. */
export class RemoteRsyncMissing extends SyncError {}

/** The server's rsync refused `--modify-window=-1` (older than 3.1.0 there): sync again without it. */
export class RemoteRsyncNoNanoseconds extends SyncError {}

// File-side failures exit 1 as with the SFTP engine; login, host-key and link failures are ConnectionErrors.
function syncError(message: string, hint: string | undefined, stderr: string): MtrError {
  return new SyncError(withTail(message, stderr), hint);
}

function hostKeyChanged(where: string, stderr: string): ConnectionError {
  const fix = /ssh-keygen -f .* -R .*/.exec(stderr)?.[0];
  return new ConnectionError(
    `the host key of ${where} has CHANGED since it was recorded: rsync's ssh refused to connect`,
    fix ? `if the server was reinstalled, remove the old key with: ${fix}` : 'if the server was reinstalled, remove its old key from known_hosts',
  );
}

function hostKeyUnknown(where: string): ConnectionError {
  return new ConnectionError(
    `the host key of ${where} is not in known_hosts: rsync's ssh refused to connect`,
    'connect once with strict_host_key_checking: ask (or accept-new) so mtr records it, or check known_hosts_file',
  );
}

function fromStderr(stderr: string, where: string): MtrError | undefined {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(stderr)) return hostKeyChanged(where, stderr);
  if (/Host key verification failed|No \S+ host key is known/.test(stderr)) return hostKeyUnknown(where);
  if (/Permission denied \((?:publickey|password|keyboard-interactive|gssapi|hostbased)[^)]*\)/.test(stderr)) {
    return new ConnectionError(
      withTail(`rsync's ssh could not log in to ${where}`, stderr),
      'check key_filename/password; an encrypted key must be loaded in ssh-agent (ssh-add), ' + SFTP_HINT,
    );
  }
  const ssh = /^ssh: .*(?:Connection refused|Could not resolve hostname|timed out|No route to host|Network is unreachable).*$/m.exec(stderr);
  if (ssh || /Connection (?:closed|reset) by/.test(stderr)) {
    return new ConnectionError(withTail(`rsync's ssh could not connect to ${where}`, stderr), 'check host and port, and that the server is up');
  }
  if (/is your shell clean/.test(stderr)) {
    return syncError(
      'rsync failed: the remote login shell prints text, which corrupts the rsync protocol',
      'make ~/.bashrc (or your shell startup file) print nothing for non-interactive shells, ' + SFTP_HINT,
      '',
    );
  }
  if (/on remote machine: -@-?\d*: unknown option|unknown option.*modify-window/.test(stderr)) {
    return new RemoteRsyncNoNanoseconds('the remote rsync does not know --modify-window=-1', `update rsync on ${where}, ${SFTP_HINT}`);
  }
  if (/\brsync: (?:command )?not found|command not found: rsync|Unknown command:? '?rsync/.test(stderr)) {
    return new RemoteRsyncMissing(`rsync is not installed on ${where}`, `install rsync there (e.g. sudo apt install rsync), ${SFTP_HINT}`);
  }
  if (/mkdir: cannot create directory/.test(stderr)) {
    return syncError('could not create remote_dir on the server', 'choose a remote_dir the login user may write to', stderr);
  }
  if (/No space left on device|Disk quota exceeded/.test(stderr)) {
    return syncError('sync failed: the remote disk is full (or over quota)', 'free space on the server or pick another remote_dir', stderr);
  }
  return undefined;
}

/**
 * undefined when the sync counts as done (0, or 24: files vanished while being sent). `where` names the
 * server in messages (`user@host:port`). Never mentions a password: none is passed in.
 */
export function describeRsyncExit(code: number, stderrTail: string, engine: RsyncEngine, where = 'the server'): MtrError | undefined {
  if (code === 0 || code === 24) return undefined;
  if (engine === 'sshpass') {
    // sshpass's 5/6/7 overlap rsync's codes; rsync says `(code N)` when a code is its own.
    const rsyncOwn = new RegExp(`\\(code ${code}\\)`).test(stderrTail);
    if (code === 5 && !rsyncOwn) {
      return new ConnectionError(`${where} refused the password`, 'check the password in .mtr/config.yaml (or use key_filename)');
    }
    if (code === 6 && !rsyncOwn) return hostKeyUnknown(where);
    if (code === 7 && !rsyncOwn) return hostKeyChanged(where, stderrTail);
  }
  const known = fromStderr(stderrTail, where);
  if (known) return known;
  const name = CODE_NAMES[code];
  const head = `sync (rsync) failed with exit code ${code}${name ? ` (${name})` : ''}`;
  switch (code) {
    case 1:
      return syncError(head, 'this rsync rejected mtr\'s options: please report it with `rsync --version`, ' + SFTP_HINT, stderrTail);
    case 11:
    case 23:
      return syncError(head, 'see the rsync messages above (permissions, disk space) and run again', stderrTail);
    case 12:
      return syncError(head, 'often the remote disk is full, the remote rsync crashed, or the login shell prints text; ' + SFTP_HINT, stderrTail);
    case 20:
      return syncError('sync (rsync) was interrupted', undefined, stderrTail);
    case 30:
      return new ConnectionError(withTail(head, stderrTail), 'the connection stalled; run again');
    case 127:
      return new RemoteRsyncMissing(`rsync is not installed on ${where}`, `install rsync there (e.g. sudo apt install rsync), ${SFTP_HINT}`);
    case 255:
      return new ConnectionError(withTail(`rsync's ssh connection to ${where} failed`, stderrTail), 'check that the server is reachable with `ssh`');
    default:
      if (code > 128 && code < 128 + 65) return syncError(`rsync was killed by signal ${code - 128}`, undefined, stderrTail);
      return syncError(head, SFTP_HINT.replace(/^or /, 'retry, or '), stderrTail);
  }
}
