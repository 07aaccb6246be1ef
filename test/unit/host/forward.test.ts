import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardLocalWith, type OpenStream } from '../../../src/host/forward.js';

// The far end is a real local echo server that upper-cases what it reads and says when it saw EOF.
let server: net.Server | undefined;
async function echoServer(): Promise<number> {
  server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
    socket.on('end', () => socket.end('<eof>'));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

const direct: OpenStream = (host, port) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });

function talk(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('forwardLocalWith', () => {
  it('carries each connection both ways, EOF included, to where it was asked', async () => {
    const port = await echoServer();
    const asked: string[] = [];
    const forward = await forwardLocalWith((h, p) => (asked.push(`${h}:${p}`), direct(h, p)), { remoteHost: '127.0.0.1', remotePort: port });
    try {
      expect(forward.localHost).toBe('127.0.0.1');
      expect(await Promise.all([talk(forward.localPort, 'one'), talk(forward.localPort, 'two')])).toEqual(['ONE<eof>', 'TWO<eof>']);
      expect(asked).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
    } finally {
      await forward.close();
    }
    // Closed: nothing carries to the far end any more. Refused, normally; under a loaded suite the
    // freed port can be another test's by then, which resets the connection: either way, no echo.
    const code = await talk(forward.localPort, 'x').then(
      (got) => `carried: ${got}`,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(code);
  });

  it('drops the local connection when the far end cannot be reached', async () => {
    const forward = await forwardLocalWith(() => Promise.reject(new Error('refused')), { remoteHost: 'h', remotePort: 1 });
    try {
      expect(await talk(forward.localPort, 'hello')).toBe('');
    } finally {
      await forward.close();
    }
  });

  it('refuses a local port that is taken', async () => {
    const port = await echoServer();
    await expect(forwardLocalWith(direct, { remoteHost: '127.0.0.1', remotePort: 1, localPort: port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
