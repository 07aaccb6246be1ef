import fs from 'node:fs';
import os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from './log.js';
import { createLiveLineSlot, type LiveLineSlot } from './util/live-line.js';

// What commands may touch of the outside world. Passed in, never read at import time, so tests swap it.
// host/host-source.ts adds `hostSource` (a pool of open hosts): Context itself knows no hosts.
export interface TtyReadable extends Readable {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}
export interface TtyWritable extends Writable {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
  homedir: string;
  stdin: TtyReadable;
  stdout: TtyWritable;
  stderr: TtyWritable;
  /** stdin is a pipe, file or socket carrying data to forward (not a terminal, not closed). */
  stdinIsData: boolean;
  /** The spinner line on stderr, which prompts stop while they ask (absent: no spinner to stop). */
  liveLine?: LiveLineSlot;
  /** The debug log once a command opened one: an error that ends the run leaves its stack there. */
  debugLog?: { current: Logger | undefined };
  /** Told each progress line of a sync (the MCP server's progress notifications). */
  onProgress?: (text: string) => void;
}

// A pipe, a file or a socket may carry input for the remote command; a TTY or /dev/null does not.
function detectStdinData(): boolean {
  try {
    const stat = fs.fstatSync(0);
    return stat.isFIFO() || stat.isFile() || stat.isSocket();
  } catch {
    return false;
  }
}

export function processContext(): Context {
  return {
    cwd: process.cwd(),
    env: process.env,
    homedir: process.env.HOME || os.homedir(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsData: detectStdinData(),
    liveLine: createLiveLineSlot(),
    debugLog: { current: undefined },
  };
}
