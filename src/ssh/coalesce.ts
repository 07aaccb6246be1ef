import type net from 'node:net';

// Opens no sockets: a socket option. ssh2 writes every SSH packet with its own socket write; a busy
// SFTP upload sends tens of thousands of small packets. Corking the socket at the first write and
// uncorking on the next turn of the event loop sends everything written in one turn as one writev.
// end() uncorks by itself, so nothing written before a disconnect is held back.

export function coalesceWrites(socket: net.Socket): void {
  const write = socket.write;
  let corked = false;
  const flush = () => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  socket.write = function coalescedWrite(this: net.Socket, ...args: Parameters<net.Socket['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as net.Socket['write'];
}
