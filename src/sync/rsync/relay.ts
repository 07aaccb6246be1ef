// rsync's `-e` program when rsync rides mtr's own ssh2 connection (no second handshake): a few lines
// of POSIX sh that hand the remote command and the byte stream to mtr over descriptors inherited from
// the rsync process mtr spawned. Pure: the script, the `-e` string, and the header it sends.
//
// rsync runs `sh -c SCRIPT mtr-rsh HOST WORD…`. The script drops HOST and sends the words joined by
// spaces (what ssh sends as the remote command; rsync has already escaped them for a remote shell),
// then a NUL, on fd 3; after that it copies its stdin (from rsync) to fd 3 and fd 3 to its stdout.
// When mtr ends fd 3 (the remote command is over), it reads the remote exit status from fd 4 and
// exits with it, as ssh would; no status (mtr gone), or a copy that failed, is 255, as ssh's own
// failure (rsync then ends, and so does the remote command).
import { sshCommandString } from './ssh-command.js';

/** Descriptors the relay expects: the stream (both ways) and the exit status. */
export const RELAY_DATA_FD = 3;
export const RELAY_STATUS_FD = 4;
/** A remote command longer than this is not an rsync server command line. */
export const RELAY_HEADER_MAX = 256 * 1024;

// fd 5 keeps the real stdin: an asynchronous list's stdin is /dev/null in a non-interactive shell.
export const RELAY_SCRIPT = [
  'shift',
  `printf '%s\\000' "$*" >&${RELAY_DATA_FD} || exit 255`,
  'exec 5<&0',
  `cat <&5 >&${RELAY_DATA_FD} &`,
  `cat <&${RELAY_DATA_FD} || exit 255`,
  'kill $! 2>/dev/null',
  `read rc <&${RELAY_STATUS_FD}`,
  'exit "${rc:-255}"',
].join('\n');

/** The `-e` value (GNU rsync: it honours '…' quoting; openrsync cannot carry a script). */
export function relayRshCommand(): string {
  return sshCommandString(['sh', '-c', RELAY_SCRIPT, 'mtr-rsh']);
}

export type RelayHeader = { command: string; rest: Buffer } | { tooLong: true } | undefined;

/** The remote command once its NUL has arrived (with any stream bytes after it); undefined = wait. */
export function parseRelayHeader(buffered: Buffer): RelayHeader {
  const nul = buffered.indexOf(0);
  if (nul < 0) return buffered.length > RELAY_HEADER_MAX ? { tooLong: true } : undefined;
  if (nul > RELAY_HEADER_MAX) return { tooLong: true };
  return { command: buffered.subarray(0, nul).toString('utf8'), rest: buffered.subarray(nul + 1) };
}
