import type { Duplex } from 'node:stream';
import { nullLogger, type Logger } from '../log.js';
import type { SshConnection } from '../ssh/connect.js';
import type { SshTarget } from '../ssh/target.js';
import { captureWith } from './capture.js';
import { forwardLocalWith } from './forward.js';
import type { HostSftp } from './sftp.js';
import { execOnSsh2 } from './ssh2-channel.js';
import { openSsh2Sftp } from './ssh2-sftp.js';
import { describeCommand, execStaged } from './staged-exec.js';
import type { Captured, ExecOptions, Host, HostChannel, LocalForward, LocalForwardRequest } from './types.js';

// A Host on mtr's own ssh2 connection: commands, PTYs, SFTP and forwards all ride it.

export class DirectHost implements Host {
  readonly shared = false;
  readonly closed: Promise<void>;
  readonly target: SshTarget;

  constructor(
    readonly server: string,
    private readonly connection: SshConnection,
    /** Runs after close() (a shared master started for the next run). */
    private readonly afterClose?: () => void,
    /** Gets one line per request that costs a round trip (execs, SFTP channels). */
    private readonly logger: Logger = nullLogger,
  ) {
    this.target = connection.target;
    this.closed = new Promise((resolve) => connection.client.once('close', () => resolve()));
  }

  exec(command: string, options: ExecOptions = {}): Promise<HostChannel> {
    return execStaged((line, opts) => {
      this.logger.debug(`ssh request: exec on mtr's connection${opts.pty ? ' (pty)' : ''}: ${describeCommand(line)}`);
      return execOnSsh2(this.connection.client, line, opts);
    }, command, options);
  }

  capture(command: string, input?: Buffer | string): Promise<Captured> {
    return captureWith(this, command, input);
  }

  sftp(): Promise<HostSftp> {
    this.logger.debug("ssh request: sftp channel on mtr's connection");
    return openSsh2Sftp(this.connection.client);
  }

  forwardOut(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      try {
        this.connection.client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => (error ? reject(error) : resolve(stream)));
      } catch (error) {
        reject(error);
      }
    });
  }

  forwardLocal(request: LocalForwardRequest): Promise<LocalForward> {
    return forwardLocalWith((host, port) => this.forwardOut(host, port), request);
  }

  close(): void {
    this.connection.close();
    this.afterClose?.();
  }

  destroy(): void {
    this.connection.client.destroy();
  }
}
