import type { Duplex } from 'node:stream';
import type { Context } from '../context.js';
import type { HostSource } from './host-source.js';
import type { Logger } from '../log.js';
import { captureWith } from './capture.js';
import { forwardLocalWith } from './forward.js';
import { openHost } from './open.js';
import type { HostSftp } from './sftp.js';
import type { Captured, ExecOptions, Host, HostChannel, HostPlan, LocalForward, LocalForwardRequest } from './types.js';

// A long-lived process (the MCP server) keeps one open Host per server and leases it to each
// command: the command's close() ends only what it opened (channels, SFTP sessions, forwards),
// never the link. A link that drops is opened afresh for the next lease; jobs live in the server's
// tmux, so none is lost with it. Several leases of one host may be in use at once.

interface Entry {
  host: Promise<Host>;
  gone: boolean;
}

/** How the pool opens a host (openHost; tests pass their own). */
export type OpenHost = (plan: HostPlan, ctx: Context, logger: Logger) => Promise<Host>;

export class HostPool implements HostSource {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly open: OpenHost = openHost) {}

  async lease(plan: HostPlan, ctx: Context, logger: Logger): Promise<Host> {
    const key = poolKey(plan);
    let entry = this.entries.get(key);
    if (!entry || entry.gone) {
      // The pool's own ssh2 connection: it outlives every call, so no shared master is needed.
      const opened: Entry = { host: this.open({ ...plan, reuse: false }, ctx, logger), gone: false };
      entry = opened;
      this.entries.set(key, opened);
      opened.host.then(
        (host) => host.closed.then(() => {
          logger.debug(`pool: the connection to ${plan.server} is gone; the next call reconnects`);
          opened.gone = true;
        }),
        () => {
          opened.gone = true;
        },
      );
    }
    return new LeasedHost(await entry.host);
  }

  /** Ends every pooled connection (the server is shutting down). */
  closeAll(): void {
    for (const entry of this.entries.values()) void entry.host.then((host) => host.close(), () => undefined);
    this.entries.clear();
  }
}

/** One pooled connection per server name and login. */
export function poolKey(plan: HostPlan): string {
  const { target } = plan;
  return JSON.stringify([plan.server, target.user, target.host, target.port]);
}

// A command's view of a pooled host: everything it opens is tracked and ended by its close().
export class LeasedHost implements Host {
  readonly closed: Promise<void>;
  private markClosed: () => void = () => undefined;
  private ended = false;
  private readonly channels = new Set<HostChannel>();
  private readonly sftps = new Set<HostSftp>();
  private readonly streams = new Set<Duplex>();
  private readonly forwards = new Set<LocalForward>();

  constructor(private readonly host: Host) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    void host.closed.then(() => this.markClosed());
  }

  get server(): string {
    return this.host.server;
  }
  get target(): Host['target'] {
    return this.host.target;
  }
  get shared(): boolean {
    return this.host.shared;
  }

  async exec(command: string, options?: ExecOptions): Promise<HostChannel> {
    const channel = await this.host.exec(command, options);
    if (this.ended) {
      channel.close();
      throw new Error('the command was stopped before its remote command started');
    }
    this.channels.add(channel);
    channel.once('close', () => this.channels.delete(channel));
    return channel;
  }

  capture(command: string, input?: Buffer | string): Promise<Captured> {
    return captureWith(this, command, input);
  }

  async sftp(): Promise<HostSftp> {
    const sftp = await this.host.sftp();
    if (this.ended) {
      sftp.end();
      throw new Error('the command was stopped before its SFTP session opened');
    }
    this.sftps.add(sftp);
    return sftp;
  }

  async forwardOut(host: string, port: number): Promise<Duplex> {
    const stream = await this.host.forwardOut(host, port);
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    if (this.ended) stream.destroy();
    return stream;
  }

  async forwardLocal(request: LocalForwardRequest): Promise<LocalForward> {
    const forward = await forwardLocalWith((host, port) => this.forwardOut(host, port), request);
    this.forwards.add(forward);
    if (this.ended) void forward.close();
    return forward;
  }

  // Ends what this lease opened; the pooled link stays.
  close(): void {
    this.ended = true;
    for (const channel of this.channels) channel.close();
    for (const sftp of this.sftps) sftp.end();
    for (const stream of this.streams) stream.destroy();
    for (const forward of this.forwards) void forward.close();
    this.channels.clear();
    this.sftps.clear();
    this.forwards.clear();
    this.markClosed();
  }

  // Cutting the shared link would fail every other call: a lease's destroy ends only its own work.
  destroy(): void {
    this.close();
  }
}
