import type { Context } from '../context.js';

// Leaves the local terminal sane whatever the remote program did: alternate screen left, cursor
// shown, mouse and bracketed-paste modes off, keypad normal, attributes reset.
export const TERMINAL_RESET =
  '\x1b[?1049l' + // alternate screen off
  '\x1b[?25h' + // cursor visible
  '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l' + // mouse reporting off
  '\x1b[?2004l' + // bracketed paste off
  '\x1b[?1l\x1b>' + // cursor keys / keypad normal
  '\x1b[0m'; // attributes reset

export interface RawSession {
  restore(): void;
}

// Raw mode for the duration of an interactive session; restore() is idempotent and also runs on
// process exit, so a crash or a dropped link never leaves the terminal raw.
export function enterRawMode(ctx: Context): RawSession {
  const stdin = ctx.stdin;
  if (stdin.isTTY) stdin.setRawMode?.(true);
  stdin.resume();
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    if (stdin.isTTY) stdin.setRawMode?.(false);
    stdin.pause();
    if (ctx.stdout.isTTY) ctx.stdout.write(TERMINAL_RESET);
  };
  process.on('exit', restore);
  return { restore };
}

export function terminalSize(ctx: Context): { cols: number; rows: number } {
  return { cols: ctx.stdout.columns || 80, rows: ctx.stdout.rows || 24 };
}
