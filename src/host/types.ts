import type { Duplex, Readable, Writable } from 'node:stream';
import type { SshTarget } from '../ssh/target.js';
import type { HostSftp } from './sftp.js';

// What the commands, jobs, syncs and the watch loop may ask of a server: mtr's own vocabulary,
// implemented by mtr's ssh2 connection (direct-host.ts) and by a shared OpenSSH master
// (shared-host.ts). A new kind of host (a scheduler's login node) is one more implementation.

/** A terminal for the remote command: its output then merges stderr into stdout (as ssh -t). */
export interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
}

// No `env` option: sshd drops it (AcceptEnv) and a mux ssh cannot send it; exports go in the command
// line (remote/job-env.ts). No `signal()`: OpenSSH refuses it for root up to 9.8 and a mux ssh
// cannot send one; jobs are signalled by their process group on the server (jobs/remote.ts).
export interface ExecOptions {
  pty?: PtyRequest;
}

/**
 * One remote command. 'exit' says how it ended (at most once, maybe before the last output);
 * 'close' comes once after everything, also when the command never said how it ended: a dropped
 * link. Read both stdout and stderr, or 'close' may wait for the reader.
 */
export interface HostChannel {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The command's stdin; end() it for EOF. Never end it on a PTY (the window could not be resized). */
  readonly stdin: Writable;
  /** `status`: the exit code, or 128+n for a signal (then named in `signal`). */
  on(event: 'exit', listener: (status: number, signal: string | undefined) => void): this;
  on(event: 'close', listener: () => void): this;
  once(event: 'exit', listener: (status: number, signal: string | undefined) => void): this;
  once(event: 'close', listener: () => void): this;
  /** A PTY's new window size; nothing without one. */
  resize(rows: number, cols: number): void;
  /** Stops the command at once: the channel closes without waiting for the server. */
  close(): void;
}

export interface Captured {
  /** Exit status (128+n for a signal); null when the link dropped first. */
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface LocalForwardRequest {
  /** Where the server connects to, as seen from the server (`127.0.0.1` is the server itself). */
  remoteHost: string;
  remotePort: number;
  /** Local address to listen on (default 127.0.0.1: only this machine may use the forward). */
  localHost?: string;
  /** Local port (default 0: any free one; see LocalForward.localPort). */
  localPort?: number;
}

export interface LocalForward {
  readonly localHost: string;
  readonly localPort: number;
  /** Stops listening and ends the connections still open. */
  close(): Promise<void>;
}

export interface Host {
  /** The server's name in the config. */
  readonly server: string;
  /** Where commands run and how OpenSSH programs (rsync) reach it. */
  readonly target: SshTarget;
  /** Commands go through a shared master from an earlier run (rsync then uses it too). */
  readonly shared: boolean;
  /** Starts a command; long command lines are staged in a file first (staged-exec.ts). */
  exec(command: string, options?: ExecOptions): Promise<HostChannel>;
  /** Runs a helper command and collects its output; `input` is its whole stdin. */
  capture(command: string, input?: Buffer | string): Promise<Captured>;
  /** A new SFTP session (each call one more channel). */
  sftp(): Promise<HostSftp>;
  /** A byte stream to `host:port` as the server sees it. */
  forwardOut(host: string, port: number): Promise<Duplex>;
  /** Listens locally and carries each connection to the server's `remoteHost:remotePort`. */
  forwardLocal(request: LocalForwardRequest): Promise<LocalForward>;
  /** Settles once a link this host runs on is gone (dropped or closed). */
  readonly closed: Promise<void>;
  /** Says goodbye; commands still running end. */
  close(): void;
  /** Cuts the link at once: every request in flight fails now (an interrupted download). */
  destroy(): void;
}

/** The part of a host a streamed remote command needs. */
export type HostExec = Pick<Host, 'exec'>;
/** The part of a host a helper command needs. */
export type HostCapture = Pick<Host, 'capture'>;

// What opening a Host takes (host/open.ts), built by the plan (plan/host-plan.ts).
/** A server reached over SSH. */
export interface SshHostPlan {
  kind: 'ssh';
  /** The server's name in the config. */
  server: string;
  /** Where and as whom; `control` (ssh/reuse.ts planReuse) names the shared master's socket. */
  target: SshTarget;
  /**
   * Ride the shared master at `target.control` when one answers; otherwise connect and leave one
   * behind for the next run. False: mtr's own connection only (no master started either).
   */
  reuse: boolean;
}

export type HostPlan = SshHostPlan;
