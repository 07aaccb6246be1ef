import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { HostChannel } from './types.js';

// HostChannel on a mux ssh process (one command through a shared OpenSSH master): its pipes are the
// command's, its exit status the command's, unless the master itself went away.

/** What a mux ssh exits with when its master went away (as when ssh itself fails). */
const SSH_FAILURE = 255;

/** What runs one command through the master: a mux ssh process, or a claimed spare (ssh/spare.ts). */
export interface MuxProcess {
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdin: Writable | null;
  on(event: 'exit', listener: (code: number | null) => void): this;
  on(event: 'close', listener: () => void): this;
  kill(signal?: NodeJS.Signals): boolean;
}

/** Says whether the master still answers: a mux ssh's 255 is the command's own only then. */
export type MasterCheck = () => Promise<boolean>;

export class MuxChannel extends EventEmitter implements HostChannel {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable;
  private finished = false;

  constructor(private readonly child: MuxProcess, masterAlive: MasterCheck, onLost?: () => void) {
    super();
    this.stdout = child.stdout as Readable;
    this.stderr = child.stderr as Readable;
    this.stdin = child.stdin as Writable;
    // Writes after the command ended (EPIPE) are dropped, as on a closed ssh2 channel.
    this.stdin.on('error', () => undefined);
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
        if (yes) this.emit('exit', status, undefined);
        else onLost?.();
        this.finish();
      });
    });
  }

  // 'close' once: when ssh's pipes close, or at once when we stop it (the master may keep the
  // remote command's pipes open until that command ends, so we don't wait for them).
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('close');
  }

  /** A mux ssh has no terminal (PTYs ride mtr's own connection). */
  resize(): void {}

  close(): void {
    this.child.kill('SIGTERM');
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.stdin?.destroy();
    this.finish();
  }
}
