import type net from 'node:net';
import { VERSION } from '../version.js';

// Opens no sockets: a socket option. The server starts its key exchange only once it has read the
// client's identification line, and ssh2 writes that line only after it has loaded (~40 ms of
// CPU) and been handed the socket. Writing the same line the moment TCP connects lets the server
// start meanwhile; ssh2's own copy of it is then dropped. The bytes are exactly the ones ssh2 puts
// in the key exchange hash, since ssh2 is given the same `ident` (handshakeIdent).

/** mtr's software version in the SSH identification line (`SSH-2.0-mtr_0.1.0`). */
export const CLIENT_IDENT = `mtr_${VERSION}`;

/** The identification line as sent: `SSH-2.0-<ident>\r\n`. */
export function identLine(ident: string = CLIENT_IDENT): Buffer {
  return Buffer.from(`SSH-2.0-${ident}\r\n`, 'latin1');
}

/** Writes the identification line now; the next write, if it is that same line, is swallowed. */
export function sendIdentEarly(socket: net.Socket, ident: string = CLIENT_IDENT): void {
  const line = identLine(ident);
  const write = socket.write;
  write.call(socket, line);
  socket.write = function firstWrite(this: net.Socket, ...args: Parameters<net.Socket['write']>) {
    socket.write = write;
    const [chunk] = args;
    if (Buffer.isBuffer(chunk) && chunk.equals(line)) return true;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as net.Socket['write'];
}
