// Opens sockets: the mtr side of the rsync relay (rsync/relay.ts). Reads the remote command the
// relay sends on fd 3, runs it on mtr's open connection, and joins the two byte streams; when the
// remote command ends, fd 3 is ended and its exit status written to fd 4 for the relay to exit with.
import type { Readable, Writable } from 'node:stream';
import type { HostChannel, HostExec } from '../../host/types.js';
import type { Logger } from '../../log.js';
import { parseRelayHeader } from './relay.js';

export interface TunnelEnds {
  /** rsync's fd 3: the relay's byte stream, both ways. */
  data: Readable & Writable;
  /** rsync's fd 4: one line, the remote exit status. */
  status: Writable;
}

export interface Tunnel {
  /** True once the relay asked for a remote command (false: the relay never ran, or lost fd 3). */
  readonly started: boolean;
  /** The remote command's channel closed without an exit status: the connection dropped. */
  readonly linkLost: boolean;
  /** What the remote command wrote on stderr (ssh shows it on rsync's stderr; so does mtr). */
  stderr(): string;
  /** Ends the remote command if it still runs (rsync gone). */
  close(): void;
}

const STDERR_TAIL_BYTES = 16 * 1024;
const SSH_FAILURE = 255;

export function openTunnel(host: HostExec, ends: TunnelEnds, log?: Logger): Tunnel {
  const { data, status } = ends;
  let started = false;
  let linkLost = false;
  let stderr = '';
  let channel: HostChannel | undefined;
  let finished = false;
  let buffered = Buffer.alloc(0);

  // Ends both descriptors once: the relay then exits with `code`.
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    data.end();
    status.end(`${code}\n`);
  };
  const fail = (message: string) => {
    stderr += `mtr: ${message}\n`;
    log?.debug(`rsync tunnel: ${message}`);
    finish(SSH_FAILURE);
  };
  // A relay gone early (rsync killed) must not crash mtr with EPIPE.
  data.on('error', () => finish(SSH_FAILURE));
  status.on('error', () => undefined);

  const onHeader = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const header = parseRelayHeader(buffered);
    if (!header) return;
    data.off('data', onHeader);
    if ('tooLong' in header) return fail('the rsync relay sent no command line');
    started = true;
    data.pause();
    log?.debug(`rsync tunnel: ${header.command}`);
    host.exec(header.command).then(
      (opened) => joinRemote(opened, header.rest),
      (error: Error) => fail(`could not start rsync on the server: ${error.message}`),
    );
  };
  const joinRemote = (opened: HostChannel, rest: Buffer) => {
    // rsync went away while the command was starting.
    if (finished) return opened.close();
    channel = opened;
    let code = SSH_FAILURE;
    let exited = false;
    // A remote command ended by a signal has no status: ssh exits 255 then, and so does the relay.
    opened.on('exit', (status, signal) => {
      exited = true;
      code = signal === undefined ? status : SSH_FAILURE;
    });
    opened.stderr.on('data', (text: Buffer) => {
      stderr = (stderr + text.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    // Both directions with backpressure; the relay's stream ends only when rsync exits.
    if (rest.length) opened.stdin.write(rest);
    data.pipe(opened.stdin);
    opened.stdout.pipe(data, { end: false });
    opened.on('close', () => {
      if (!exited && channel) linkLost = true;
      channel = undefined;
      finish(code);
    });
  };
  data.on('data', onHeader);
  data.on('end', () => {
    if (!started) finish(SSH_FAILURE);
  });

  return {
    get started() {
      return started;
    },
    get linkLost() {
      return linkLost;
    },
    stderr: () => stderr,
    close: () => {
      // Closed by mtr (rsync is gone): not a lost link.
      const open = channel;
      channel = undefined;
      open?.close();
      finish(SSH_FAILURE);
    },
  };
}
