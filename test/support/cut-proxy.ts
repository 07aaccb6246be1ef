// A loopback TCP proxy in front of the test sshd that a test can break like a real network:
// `cut()` stops every open connection in both directions while all sockets stay open (a pulled
// cable: no FIN, no RST, nothing arrives), `reset()` kills every connection with an RST, and
// `throttle()` makes the link slow.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { SshdInfo } from './sshd.js';

export interface CutProxy {
  /** The port to put in the config instead of sshd's. */
  port: number;
  /** Open connections go dead: nothing is forwarded either way, nothing is closed. Later ones work. */
  cut(): void;
  /** Resets (RST) every open connection; new ones are still forwarded unless cut. */
  reset(): void;
  /** Forwards at most this many bytes per second each way (a slow link); undefined = full speed. */
  throttle(bytesPerSecond: number | undefined): void;
  /** Connections accepted so far (each ssh login is one). */
  accepted(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
  dead: boolean;
}

export async function startCutProxy(target: { host: string; port: number }): Promise<CutProxy> {
  const pairs = new Set<Pair>();
  let rate: number | undefined;
  let accepted = 0;
  const listener = net.createServer((client) => {
    accepted += 1;
    const server = net.connect({ host: target.host, port: target.port });
    const pair: Pair = { client, server, dead: false };
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (pair.dead || to.destroyed) return;
        to.write(chunk);
        if (!rate) return;
        from.pause();
        setTimeout(() => !pair.dead && from.resume(), (chunk.length / rate) * 1000);
      });
    forward(client, server);
    forward(server, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    // A real cut passes on no FIN either.
    client.on('end', () => !pair.dead && server.end());
    server.on('end', () => !pair.dead && client.end());
    client.on('error', () => !pair.dead && end());
    server.on('error', () => !pair.dead && end());
    client.on('close', () => !pair.dead && end());
    server.on('close', () => !pair.dead && end());
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (listener.address() as net.AddressInfo).port;
  return {
    port,
    cut: () => {
      // Nothing is read any more: bytes pile up unacknowledged in the kernels' buffers until the
      // senders block, as behind a pulled cable. No FIN or RST is passed on.
      for (const pair of pairs) {
        pair.dead = true;
        for (const socket of [pair.client, pair.server]) {
          socket.removeAllListeners('data');
          socket.pause();
        }
      }
    },
    accepted: () => accepted,
    throttle: (bytesPerSecond) => {
      rate = bytesPerSecond;
    },
    reset: () => {
      for (const { client, server } of pairs) {
        client.resetAndDestroy();
        server.resetAndDestroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, server } of pairs) {
          client.destroy();
          server.destroy();
        }
        pairs.clear();
        listener.close(() => resolve());
      }),
  };
}

/** Trusts sshd's host key under the proxy's port too: known_hosts entries carry `[host]:port`. */
export function trustProxy(home: string, sshd: SshdInfo, proxy: CutProxy): void {
  fs.appendFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${proxy.port} ${sshd.hostKeyPub}\n`);
}
