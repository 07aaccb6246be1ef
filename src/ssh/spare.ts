import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { buildSpareHolderArgs, encodeSpareLine, SPARE_READY, SPARE_STALE, spareLinkPath } from './spare-plan.js';

// Spare channels through a shared master (spare-plan.ts says what they are): leaving one for the
// next run, and claiming one for this run's first command. The only module that touches a spare's
// holder and FIFOs.

/** Leaves a spare beside `socket` for the next run, waiting `seconds` at most; false when none was started. Never throws. */
export function startSpare(socket: string, env: NodeJS.ProcessEnv, seconds: number): boolean {
  try {
    // One spare per master: another run's is waiting already (its holder would end this one's).
    if (fs.lstatSync(spareLinkPath(socket), { throwIfNoEntry: false })) return false;
    const dir = fs.mkdtempSync(`${socket.replace(/\.sock$/, '')}.spare-`);
    const child = spawn('/bin/sh', buildSpareHolderArgs(socket, dir, spareLinkPath(socket), seconds), { stdio: 'ignore', env, detached: true });
    child.on('error', () => fs.rmSync(dir, { recursive: true, force: true }));
    child.unref();
    return child.pid !== undefined;
  } catch {
    return false;
  }
}

const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;

interface Fifos {
  dir: string;
  holder: number;
  fds: { in: number; out: number; err: number; rc: number; alive: number };
}

// Only one claimer can rename the link away. A spare whose holder is gone has nobody reading `in`
// (ENXIO): its folder is removed. Once opened, the FIFOs need no names: the folder goes at once.
function claimFifos(socket: string): Fifos | undefined {
  const link = spareLinkPath(socket);
  const claimed = `${link}.${process.pid}`;
  try {
    fs.renameSync(link, claimed);
  } catch {
    return undefined;
  }
  let dir: string;
  try {
    dir = fs.readlinkSync(claimed);
  } catch {
    return undefined;
  } finally {
    fs.rmSync(claimed, { force: true });
  }
  if (path.dirname(dir) !== path.dirname(socket)) return undefined;
  const opened: number[] = [];
  const open = (name: string, flags: number): number => {
    const fd = fs.openSync(path.join(dir, name), flags | O_NONBLOCK);
    opened.push(fd);
    return fd;
  };
  try {
    const fds = { in: open('in', O_WRONLY), out: open('out', O_RDONLY), err: open('err', O_RDONLY), rc: open('rc', O_RDONLY), alive: open('alive', O_WRONLY) };
    const holder = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    if (!Number.isInteger(holder) || holder <= 1) throw new Error('no holder');
    process.kill(holder, 'SIGUSR1');
    return { dir, holder, fds };
  } catch {
    for (const fd of opened) fs.closeSync(fd);
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A claimed spare running one command line: shaped as the mux ssh process it replaces (its pipes,
 * 'exit' with the status ssh passed on, 'close', kill), for host/mux-channel.ts.
 */
export class SpareProcess extends EventEmitter {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  private alive: number | undefined;

  constructor(fifos: Fifos, private readonly sources: { out: net.Socket; err: net.Socket; rc: net.Socket }, stdin: net.Socket, head: { out: Buffer; err: Buffer }) {
    super();
    this.alive = fifos.fds.alive;
    this.stdin = stdin;
    const out = new PassThrough();
    const err = new PassThrough();
    out.write(head.out);
    err.write(head.err);
    sources.out.pipe(out);
    sources.err.pipe(err);
    this.stdout = out;
    this.stderr = err;
    let status = '';
    let ended = 0;
    const closeWhenDone = (): void => {
      if (++ended < 3) return;
      // The remote command is over: nothing more goes in (an open `in` would keep mtr waiting).
      this.stdin.destroy();
      this.release();
      this.emit('close');
    };
    out.once('end', closeWhenDone);
    err.once('end', closeWhenDone);
    sources.rc.on('data', (chunk: Buffer) => (status += chunk.toString('latin1')));
    sources.rc.once('close', () => {
      const code = /^\d+\n?$/.test(status) ? Number(status.trim()) : null;
      this.emit('exit', code);
      closeWhenDone();
    });
  }

  // Closing `alive` is what stops the ssh (the holder watches it): also when mtr dies.
  private release(): void {
    if (this.alive === undefined) return;
    fs.closeSync(this.alive);
    this.alive = undefined;
  }

  kill(): boolean {
    this.release();
    this.sources.rc.destroy();
    return true;
  }
}

const socketOn = (fd: number, writable: boolean): net.Socket => new net.Socket({ fd, readable: !writable, writable });

/**
 * Runs `line` on the spare beside `socket`, if one waits: resolves once its shell runs the line, or
 * with undefined when there is none or it would not (stale, or gone: then nothing ran and nothing
 * was read from the caller). `pending` gets a stop function while it waits (for a run stopped then).
 */
export function runOnSpare(socket: string, line: string, pending?: (stop: () => void) => void): Promise<SpareProcess | undefined> {
  const fifos = claimFifos(socket);
  if (!fifos) return Promise.resolve(undefined);
  const stdin = socketOn(fifos.fds.in, true);
  stdin.on('error', () => undefined);
  const sources = { out: socketOn(fifos.fds.out, false), err: socketOn(fifos.fds.err, false), rc: socketOn(fifos.fds.rc, false) };
  return new Promise((resolve) => {
    let said = Buffer.alloc(0);
    const early: Buffer[] = [];
    let settled = false;
    const giveUp = (): void => {
      if (settled) return;
      settled = true;
      for (const source of Object.values(sources)) source.destroy();
      stdin.destroy();
      fs.closeSync(fifos.fds.alive);
      resolve(undefined);
    };
    pending?.(giveUp);
    const onErr = (chunk: Buffer): number => early.push(chunk);
    const onOut = (chunk: Buffer): void => {
      said = Buffer.concat([said, chunk]);
      if (said.includes(SPARE_STALE, 0, 'latin1')) return giveUp();
      const at = said.indexOf(SPARE_READY, 0, 'latin1');
      if (at < 0) return;
      settled = true;
      sources.out.off('data', onOut);
      sources.err.off('data', onErr);
      sources.out.off('end', giveUp);
      sources.out.pause();
      sources.err.pause();
      // Whatever the shell printed as it started comes first, as on a channel of its own.
      const head = { out: Buffer.concat([said.subarray(0, at), said.subarray(at + SPARE_READY.length)]), err: Buffer.concat(early) };
      resolve(new SpareProcess(fifos, sources, stdin, head));
    };
    sources.out.on('data', onOut);
    sources.err.on('data', onErr);
    sources.out.once('end', giveUp);
    sources.out.on('error', giveUp);
    sources.err.on('error', () => undefined);
    sources.rc.on('error', () => undefined);
    stdin.write(encodeSpareLine(line));
  });
}
