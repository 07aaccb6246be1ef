import type { ChildProcess } from 'node:child_process';
import { Duplex, type Readable, type Writable } from 'node:stream';
import type { Logger } from '../log.js';
import { isMasterAlive, spawnMuxExec, spawnMuxForward } from '../ssh/mux-client.js';
import { runOnSpare, startSpare } from '../ssh/spare.js';
import { spareSeconds, sparesEnabled } from '../ssh/spare-plan.js';
import type { SshTarget } from '../ssh/target.js';
import { captureWith } from './capture.js';
import { forwardLocalWith } from './forward.js';
import { MuxChannel } from './mux-channel.js';
import type { HostSftp } from './sftp.js';
import { describeCommand, execStaged } from './staged-exec.js';
import type { Captured, ExecOptions, Host, HostChannel, LocalForward, LocalForwardRequest } from './types.js';

// A Host on a shared OpenSSH master from an earlier run: commands and forwarded connections go
// through it as mux ssh processes (no handshake). What a mux ssh cannot carry for mtr (a PTY, as
// mtr's terminal is its own; SFTP) rides mtr's own connection, opened on first use.

export class SharedHost implements Host {
  readonly shared = true;
  readonly closed: Promise<void>;
  private markClosed: () => void = () => undefined;
  private direct: Promise<Host> | undefined;
  private readonly channels = new Set<MuxChannel>();
  private readonly forwards = new Set<ChildProcess>();
  /** The first command may take the spare the run before left (ssh/spare-plan.ts); later ones may not. */
  private spareTaken = false;
  /** The spare for the next run is asked for as soon as this run's first command is out (below). */
  private spareLeft = false;
  private readonly pendingSpares = new Set<() => void>();
  private lost = false;
  constructor(
    readonly server: string,
    readonly target: SshTarget,
    /** The master's control socket. */
    private readonly socket: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: Logger,
    private readonly openDirect: () => Promise<Host>,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  private directHost(): Promise<Host> {
    if (!this.direct) {
      this.direct = this.openDirect();
      this.direct.then((host) => host.closed.then(this.markClosed), () => undefined);
    }
    return this.direct;
  }

  private masterGone = (): void => {
    this.lost = true;
    this.logger.debug(`the shared connection ${this.socket} died (its link to ${this.target.host}:${this.target.port} is gone)`);
    this.markClosed();
  };

  private async execMux(command: string): Promise<HostChannel> {
    // The next run's spare opens while this run works, so a run that follows at once finds it
    // (nearly) ready. After this command's own request is out: openMux claims a spare and writes
    // its line, or spawns its mux ssh, before the first turn of the event loop.
    setImmediate(() => this.leaveSpare());
    return this.openMux(command);
  }

  private async openMux(command: string): Promise<HostChannel> {
    if (!this.spareTaken && sparesEnabled(this.env)) {
      this.spareTaken = true;
      let stop = (): void => undefined;
      const spare = runOnSpare(this.socket, command, (giveUp) => this.pendingSpares.add((stop = giveUp)));
      const claimed = await spare.finally(() => this.pendingSpares.delete(stop));
      if (claimed) {
        this.logger.debug(`ssh request: exec on the spare channel of the shared connection: ${describeCommand(command)}`);
        return this.track(new MuxChannel(claimed, () => isMasterAlive(this.socket), this.masterGone));
      }
    }
    this.logger.debug(`ssh request: exec through the shared connection: ${describeCommand(command)}`);
    const child = spawnMuxExec(this.socket, command, this.env);
    const channel = this.track(new MuxChannel(child, () => isMasterAlive(this.socket), this.masterGone));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(channel));
    });
  }

  private track(channel: MuxChannel): MuxChannel {
    this.channels.add(channel);
    channel.once('close', () => this.channels.delete(channel));
    return channel;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<HostChannel> {
    if (options.pty) return (await this.directHost()).exec(command, options);
    return execStaged((line) => this.execMux(line), command, options);
  }

  capture(command: string, input?: Buffer | string): Promise<Captured> {
    return captureWith(this, command, input);
  }

  async sftp(): Promise<HostSftp> {
    return (await this.directHost()).sftp();
  }

  // `ssh -W` through the master: its stdin and stdout are the stream.
  forwardOut(host: string, port: number): Promise<Duplex> {
    const child = spawnMuxForward(this.socket, host, port, this.env);
    this.forwards.add(child);
    child.once('close', () => this.forwards.delete(child));
    child.stderr?.on('data', (text: Buffer) => this.logger.debug(`forward to ${host}:${port}: ${text.toString('utf8').trimEnd()}`));
    const stream = Duplex.from({ readable: child.stdout as Readable, writable: child.stdin as Writable });
    stream.once('close', () => child.kill('SIGTERM'));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(stream));
    });
  }

  forwardLocal(request: LocalForwardRequest): Promise<LocalForward> {
    return forwardLocalWith((host, port) => this.forwardOut(host, port), request);
  }

  // A run that uses the master leaves a spare for the next one (one per master: a second holder
  // finds the link taken and ends).
  private leaveSpare(): void {
    if (this.spareLeft || this.lost || !sparesEnabled(this.env)) return;
    this.spareLeft = true;
    const seconds = spareSeconds(this.target.control?.idleSeconds ?? 600);
    if (startSpare(this.socket, this.env, seconds)) this.logger.debug(`left a spare channel on the shared connection (for ${seconds} s)`);
  }

  close(): void {
    this.leaveSpare();
    this.stopAll();
    void this.direct?.then((host) => host.close(), () => undefined);
  }

  destroy(): void {
    this.stopAll();
    void this.direct?.then((host) => host.destroy(), () => undefined);
  }

  private stopAll(): void {
    for (const stop of this.pendingSpares) stop();
    for (const channel of this.channels) channel.close();
    for (const child of this.forwards) child.kill('SIGTERM');
    this.markClosed();
  }
}
