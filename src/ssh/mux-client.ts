import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import net from 'node:net';
import { buildMuxControlArgs, buildMuxExecArgs, buildMuxForwardArgs } from './control.js';
import { aliveCheckRequest, aliveVerdict, readMessages } from './mux-protocol.js';

// Talks to a live OpenSSH ControlMaster: mux ssh processes that run one command or carry one
// forwarded connection through it, the alive check, stop and start. The only module spawning mux ssh.

// Mux ssh processes get a process group of their own (detached): the terminal's Ctrl+C is mtr's to
// handle (it stops what it started, then closes them); one reaching ssh too would end the command's
// channel first, and a run stopped by Ctrl+C would look like a lost link (255) instead of 130. They
// still end with mtr: it closes them, and a gone mtr closes their pipes.
const OWN_GROUP: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'], detached: true };

/** One command through the master, no PTY: the process's pipes and exit status are the command's. */
export function spawnMuxExec(controlPath: string, command: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn('ssh', buildMuxExecArgs(controlPath, command), { ...OWN_GROUP, env });
}

/** A byte stream to `host:port` as the server sees it (ssh -W): the process's stdin and stdout. */
export function spawnMuxForward(controlPath: string, host: string, port: number, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn('ssh', buildMuxForwardArgs(controlPath, host, port), { ...OWN_GROUP, env });
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
