import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Duplex, type Readable } from 'node:stream';
import { buildMuxControlArgs, buildMuxExecArgs } from './control.js';
import { aliveCheckRequest, aliveVerdict, readMessages } from './mux-protocol.js';

// Runs commands through a live OpenSSH ControlMaster and hands back channel-like objects with the
// parts of ssh2's ClientChannel that mtr's batch code uses: stdout as the stream, .stderr, 'exit'
// (code) before 'close', end() for EOF, close() to stop. This is the only module spawning mux ssh.

/** What a mux ssh exits with when its master went away (as when ssh itself fails). */
const SSH_FAILURE = 255;

/** Says whether the master still answers: a mux ssh's 255 is the command's own only then. */
export type MasterCheck = () => Promise<boolean>;

export class MuxChannel extends Duplex {
  readonly stderr: Readable;
  private readonly child: ChildProcess;

  constructor(child: ChildProcess, masterAlive: MasterCheck, onLost?: () => void) {
    // 'close' must mean "the ssh process is gone" (after 'exit'), as on an ssh2 channel.
    super({ emitClose: false, autoDestroy: false });
    this.child = child;
    this.stderr = child.stderr as Readable;
    const stdout = child.stdout as Readable;
    stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    stdout.on('end', () => this.push(null));
    child.stdin?.on('error', () => undefined);
    let code: number | null = null;
    child.on('exit', (exitCode) => (code = exitCode));
    // ssh passes the remote exit status through. A master that died (its link gone) ends its clients
    // with 255 and no word: that is no exit status, as when an ssh2 channel closes without one.
    child.on('close', () => {
      if (code === null) return this.finish();
      const status = code;
      const alive = status === SSH_FAILURE ? masterAlive() : Promise.resolve(true);
      void alive.then((yes) => {
        if (this.finished) return;
        if (yes) this.emit('exit', status);
        else onLost?.();
        this.finish();
      });
    });
  }

  private finished = false;

  // 'close' once: when ssh's pipes close, or at once when we stop it (the master may keep the
  // remote command's pipes open until that command ends, so we don't wait for them).
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.push(null);
    this.emit('close');
  }

  override _read(): void {
    (this.child.stdout as Readable).resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.child.stdin || this.child.stdin.destroyed) return callback();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin?.end();
    callback();
  }

  close(): void {
    this.child.kill('SIGTERM');
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.stdin?.destroy();
    this.finish();
  }
}

type ExecCallback = (error: Error | undefined, channel: MuxChannel) => void;

export class MuxClient extends EventEmitter {
  constructor(
    readonly controlPath: string,
    private readonly env: NodeJS.ProcessEnv,
    /** Told when a command ended because the master went away. */
    private readonly onMasterGone?: () => void,
  ) {
    super();
  }

  exec(command: string, optionsOrCallback: object | ExecCallback, maybeCallback?: ExecCallback): this {
    const callback = (typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback) as ExecCallback;
    const child = spawn('ssh', buildMuxExecArgs(this.controlPath, command), { stdio: ['pipe', 'pipe', 'pipe'], env: this.env });
    const channel = new MuxChannel(child, () => isMasterAlive(this.controlPath), this.onMasterGone);
    this.channels.add(channel);
    channel.once('close', () => this.channels.delete(channel));
    child.once('error', (error) => callback(error, channel));
    child.once('spawn', () => callback(undefined, channel));
    return this;
  }

  sftp(callback: (error: Error) => void): void {
    callback(new Error('SFTP needs a direct connection'));
  }

  private readonly channels = new Set<MuxChannel>();

  /** Stops every command still running through this client. */
  end(): void {
    for (const channel of this.channels) channel.close();
    this.emit('close');
  }
}

/**
 * What is on the socket: a master that answers; nobody (no socket, nothing listening, or a master
 * hanging up on its way out: safe to replace); or something that accepts but does not answer in
 * time (a hung or very busy master: never replaced, which would leave it running unseen).
 */
export type MasterState = 'alive' | 'gone' | 'unresponsive';

export function probeMaster(controlPath: string, timeoutMs = 2000): Promise<MasterState> {
  return new Promise((resolve) => {
    const requestId = 1;
    let received = Buffer.alloc(0);
    const socket = net.createConnection(controlPath);
    const done = (state: MasterState): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done('unresponsive'), timeoutMs);
    socket.once('connect', () => socket.write(aliveCheckRequest(requestId)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const verdict = aliveVerdict(readMessages(received).messages, requestId);
      if (verdict !== 'pending') done(verdict === 'alive' ? 'alive' : 'unresponsive');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'gone' : 'unresponsive'));
    // Accepted, then hung up on without an answer: a master on its way out.
    socket.once('close', () => done('gone'));
  });
}

/** True when a master answers on the socket (bounded: a hung master counts as dead). */
export async function isMasterAlive(controlPath: string, timeoutMs = 2000): Promise<boolean> {
  return (await probeMaster(controlPath, timeoutMs)) === 'alive';
}

export function stopMaster(controlPath: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('ssh', buildMuxControlArgs(controlPath, 'exit'), { stdio: 'ignore', env });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

// Starts a master in the background for the next runs; this run does not wait for it. False when
// it could not even be spawned.
export function spawnMaster(program: string, args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const child = spawn(program, args, { stdio: 'ignore', env, detached: true });
  child.on('error', () => undefined);
  child.unref();
  return child.pid !== undefined;
}
