import { EventEmitter } from 'node:events';
import type { Client, ClientChannel } from 'ssh2';
import { exitStatusFrom } from '../util/exit-status.js';
import type { ExecOptions, HostChannel } from './types.js';

// Opens channels: HostChannel on an ssh2 exec channel, which is one Duplex (stdout in, stdin out).

class Ssh2Channel extends EventEmitter implements HostChannel {
  readonly stdout: ClientChannel;
  readonly stdin: ClientChannel;
  readonly stderr: ClientChannel['stderr'];

  private exited?: { status: number; signal: string | undefined };

  constructor(private readonly channel: ClientChannel, private readonly pty: boolean) {
    super();
    this.stdout = channel;
    this.stdin = channel;
    this.stderr = channel.stderr;
    // A fast command's whole reply (exec success, output, exit status, close) can arrive in one read,
    // so ssh2 reports the exit while the caller is still awaiting the channel: a listener added
    // later still hears it (once, on the next microtask; 'close' comes after the streams end).
    this.on('newListener', (event: string | symbol, listener: (status: number, signal: string | undefined) => void) => {
      const exited = this.exited;
      if (event === 'exit' && exited) queueMicrotask(() => listener(exited.status, exited.signal));
    });
    // ssh2 reports (code) or (null, signal name); a channel closed without either has no status.
    channel.on('exit', (code: number | null, signal?: string) => {
      const status = exitStatusFrom(code, signal);
      if (status === null || this.exited) return;
      this.exited = { status, signal: typeof code === 'number' ? undefined : signal };
      this.emit('exit', status, this.exited.signal);
    });
    channel.on('close', () => this.emit('close'));
  }

  resize(rows: number, cols: number): void {
    if (this.pty) this.channel.setWindow(rows, cols, 0, 0);
  }

  close(): void {
    this.channel.close();
  }
}

/** Runs `command` on the connection as it is (no staging: staged-exec.ts does that). */
export function execOnSsh2(client: Client, command: string, options: ExecOptions = {}): Promise<HostChannel> {
  const { pty } = options;
  return new Promise((resolve, reject) => {
    const opened = (error: Error | undefined, channel: ClientChannel) => (error ? reject(error) : resolve(new Ssh2Channel(channel, Boolean(pty))));
    try {
      if (pty) client.exec(command, { pty: { term: pty.term, cols: pty.cols, rows: pty.rows, width: 0, height: 0 } }, opened);
      else client.exec(command, { pty: false }, opened);
    } catch (error) {
      reject(error);
    }
  });
}
