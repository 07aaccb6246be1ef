import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { LocalForward, LocalForwardRequest } from './types.js';

// Opens sockets: Host.forwardLocal for every kind of host, as `ssh -L` does it: a local listener,
// and for each connection one stream through the host (its forwardOut), joined both ways.

export type OpenStream = (host: string, port: number) => Promise<Duplex>;

const DEFAULT_LOCAL_HOST = '127.0.0.1';

export async function forwardLocalWith(open: OpenStream, request: LocalForwardRequest): Promise<LocalForward> {
  const localHost = request.localHost ?? DEFAULT_LOCAL_HOST;
  const sockets = new Set<net.Socket>();
  // Half-open: a client's EOF is passed on, and the answer still comes back.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Nothing is read until the far end is there: bytes sent early wait in the socket.
    socket.pause();
    open(request.remoteHost, request.remotePort).then(
      (stream) => join(socket, stream),
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(request.localPort ?? 0, localHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : (request.localPort ?? 0);
  return {
    localHost,
    localPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

// Each side's end is passed on as EOF (half-close); either side gone ends both.
function join(socket: net.Socket, stream: Duplex): void {
  if (socket.destroyed) {
    stream.destroy();
    return;
  }
  stream.on('error', () => socket.destroy());
  socket.once('close', () => stream.destroy());
  stream.once('close', () => socket.destroy());
  socket.pipe(stream);
  stream.pipe(socket);
  socket.resume();
}
