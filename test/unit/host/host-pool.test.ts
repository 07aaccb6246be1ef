import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../../src/context.js';
import { HostPool, LeasedHost, poolKey } from '../../../src/host/host-pool.js';
import type { HostPlan } from '../../../src/host/types.js';
import type { Host, HostChannel } from '../../../src/host/types.js';
import type { Logger } from '../../../src/log.js';

// A host that counts what it opened and closed, and can "drop" its link.
function fakeHost(): Host & { drop(): void; closedChannels: number; closeCalls: number } {
  let drop = () => undefined as void;
  const closed = new Promise<void>((resolve) => (drop = resolve));
  const host = {
    server: 'test',
    target: { host: 'h', port: 22, user: 'u' } as Host['target'],
    shared: false,
    closed,
    closedChannels: 0,
    closeCalls: 0,
    drop: () => drop(),
    async exec(): Promise<HostChannel> {
      const channel = Object.assign(new EventEmitter(), { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), resize: () => undefined }) as unknown as HostChannel;
      (channel as unknown as { close: () => void }).close = () => {
        host.closedChannels += 1;
        (channel as unknown as EventEmitter).emit('close');
      };
      return channel;
    },
    capture: async () => ({ code: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }),
    sftp: async () => {
      throw new Error('no sftp');
    },
    forwardOut: async () => new PassThrough(),
    forwardLocal: async () => {
      throw new Error('no forwards');
    },
    close: () => void (host.closeCalls += 1),
    destroy: () => void (host.closeCalls += 1),
  };
  return host;
}

const plan: HostPlan = { kind: 'ssh', server: 'test', target: { host: 'h', port: 22, user: 'u' } as HostPlan['target'], reuse: true };
const ctx = {} as Context;
const logger = { debug: () => undefined } as unknown as Logger;

describe('LeasedHost', () => {
  it('close() ends the channels it opened, not the host or other leases\' channels', async () => {
    const host = fakeHost();
    const a = new LeasedHost(host);
    const b = new LeasedHost(host);
    await a.exec('one');
    await a.exec('two');
    const other = await b.exec('three');
    let otherClosed = false;
    other.once('close', () => (otherClosed = true));
    a.close();
    // A lease's destroy ends only its own work too.
    b.destroy();
    expect(host.closedChannels).toBe(3);
    expect(otherClosed).toBe(true);
    expect(host.closeCalls).toBe(0);
  });
  it('closed settles when the lease closes, or when the link drops', async () => {
    const host = fakeHost();
    const lease = new LeasedHost(host);
    host.drop();
    await expect(lease.closed).resolves.toBeUndefined();
  });
});

describe('HostPool', () => {
  it('opens one host per server, without a shared master, and reopens after a drop', async () => {
    const opened: ReturnType<typeof fakeHost>[] = [];
    const reuses: boolean[] = [];
    const pool = new HostPool(async (asked) => {
      reuses.push(asked.reuse);
      const host = fakeHost();
      opened.push(host);
      return host;
    });
    await Promise.all([pool.lease(plan, ctx, logger), pool.lease(plan, ctx, logger)]);
    await pool.lease(plan, ctx, logger);
    expect(opened).toHaveLength(1);
    expect(reuses).toEqual([false]);
    opened[0]?.drop();
    await new Promise((resolve) => setImmediate(resolve));
    await pool.lease(plan, ctx, logger);
    expect(opened).toHaveLength(2);
    pool.closeAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect(opened[1]?.closeCalls).toBe(1);
  });
  it('a failed open is not kept: the next lease tries again', async () => {
    let attempts = 0;
    const pool = new HostPool(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('refused');
      return fakeHost();
    });
    await expect(pool.lease(plan, ctx, logger)).rejects.toThrow('refused');
    await expect(pool.lease(plan, ctx, logger)).resolves.toBeInstanceOf(LeasedHost);
  });
  it('keys by server and login', () => {
    expect(poolKey(plan)).not.toBe(poolKey({ ...plan, target: { ...plan.target, port: 2222 } }));
  });
});
