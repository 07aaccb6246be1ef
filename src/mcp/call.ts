import { Readable, Writable } from 'node:stream';
import type { Context } from '../context.js';
import type { HostSource } from '../host/host-source.js';
import type { McpDefaults } from './requests.js';
import type { ToolArgs, ToolName } from './schemas.js';

// What a tool's handler gets: a context for the command functions, the server-wide defaults, and
// a way to say how far it got (a progress notification when the client asked for them).

export interface ToolCall {
  ctx: Context;
  defaults: McpDefaults;
  progress(message: string): void;
}

export interface ToolDef<N extends ToolName> {
  name: N;
  description: string;
  handle(args: ToolArgs<N>, call: ToolCall): Promise<{ [key: string]: unknown }>;
}

// stdout carries MCP messages only: a command's stdout goes nowhere (every tool collects what it
// returns), its stdin is empty, and no terminal is seen. Notes and warnings go to stderr.
export function commandContext(base: Context, hosts: HostSource): Context {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const { liveLine: _liveLine, ...rest } = base;
  return { ...rest, stdin: Readable.from([]), stdout: sink, stdinIsData: false, hostSource: hosts };
}

/** A sync's progress lines reach the client at most this often (rsync reports per file). */
export const SYNC_PROGRESS_EVERY_MS = 1000;

export function callContext(ctx: Context, progress: (message: string) => void, now: () => number = Date.now): Context {
  let last: number | undefined;
  const onProgress = (text: string) => {
    const at = now();
    if (last !== undefined && at - last < SYNC_PROGRESS_EVERY_MS) return;
    last = at;
    progress(text);
  };
  return { ...ctx, onProgress };
}
