import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../../src/ssh/coalesce.js';

// A real loopback TCP pair: what the peer receives, and how many chunks it arrived in.
async function pair(): Promise<{ client: net.Socket; received: () => Promise<Buffer>; close: () => void }> {
  const chunks: Buffer[] = [];
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const server = net.createServer((peer) => {
    peer.on('data', (d) => chunks.push(d));
    peer.on('end', () => ended());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  return {
    client,
    received: async () => {
      await done;
      return Buffer.concat(chunks);
    },
    close: () => server.close(),
  };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('coalesceWrites', () => {
  it('holds the writes of one event-loop turn and sends them together, in order', async () => {
    const { client, received, close } = await pair();
    cleanup = close;
    coalesceWrites(client);
    const writev: number[] = [];
    const original = (client as unknown as { _writev: (chunks: unknown[], cb: () => void) => void })._writev;
    (client as unknown as { _writev: typeof original })._writev = function (chunks, cb) {
      writev.push(chunks.length);
      return original.call(this, chunks, cb);
    };
    for (let i = 0; i < 100; i++) client.write(Buffer.from(`${i},`));
    expect(client.writableCorked).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.writableCorked).toBe(0);
    expect(writev).toEqual([100]);
    client.end();
    expect((await received()).toString()).toBe(Array.from({ length: 100 }, (_, i) => `${i},`).join(''));
  });

  it('loses nothing written just before end()', async () => {
    const { client, received, close } = await pair();
    cleanup = close;
    coalesceWrites(client);
    client.write('last words');
    client.end();
    expect((await received()).toString()).toBe('last words');
  });
});
