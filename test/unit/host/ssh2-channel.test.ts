import { EventEmitter } from 'node:events';
import type { Client, ClientChannel } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { execOnSsh2 } from '../../../src/host/ssh2-channel.js';

// A fast command's whole reply can arrive in one read: ssh2 then calls exec's callback and reports
// the exit status in the same tick, before the caller awaiting the channel has added a listener.
function clientReplying(reply: (channel: EventEmitter) => void): Client {
  return {
    exec(_command: string, _options: unknown, callback: (error: Error | undefined, channel: ClientChannel) => void) {
      const channel = Object.assign(new EventEmitter(), { stderr: new EventEmitter() });
      callback(undefined, channel as unknown as ClientChannel);
      reply(channel);
    },
  } as unknown as Client;
}

describe('execOnSsh2', () => {
  it('an exit status reported before anyone listened still reaches a later listener, once', async () => {
    const channel = await execOnSsh2(clientReplying((c) => c.emit('exit', 3)), 'true');
    const heard: Array<[number, string | undefined]> = [];
    channel.on('exit', (status, signal) => heard.push([status, signal]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual([[3, undefined]]);
  });

  it('a signal is 128+n with its name, also when heard late', async () => {
    const channel = await execOnSsh2(clientReplying((c) => c.emit('exit', null, 'TERM')), 'true');
    const status = await new Promise((resolve) => channel.once('exit', (code, signal) => resolve([code, signal])));
    expect(status).toEqual([143, 'TERM']);
  });

  it('a listener added before the exit hears it once, not twice', async () => {
    let emit: (() => void) | undefined;
    const channel = await execOnSsh2(clientReplying((c) => (emit = () => c.emit('exit', 0))), 'true');
    const heard: number[] = [];
    channel.on('exit', (status) => heard.push(status));
    emit!();
    emit!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual([0]);
  });

  it('a channel closed without an exit status reports none', async () => {
    const channel = await execOnSsh2(clientReplying((c) => c.emit('exit', null)), 'true');
    const heard: number[] = [];
    channel.on('exit', (status) => heard.push(status));
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual([]);
  });
});
