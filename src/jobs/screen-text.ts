// A job's screen as an agent reads it: plain text unless colours were asked for, no trailing
// spaces on a line (tmux pads the pane's width), no blank lines below the last one written.

// CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and two-byte ESC sequences.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}

/** Screen text: one `\n` after each line, trailing blanks dropped; `ansi` keeps escape sequences. */
export function normalizeScreen(text: string, ansi: boolean): string {
  const lines = (ansi ? text : stripAnsi(text)).replace(/\r\n?/g, '\n').split('\n');
  const trimmed = lines.map((line) => (ansi ? line.replace(/[ \t]+((?:\x1b\[[0-9;]*m)*)$/, '$1') : line.trimEnd()));
  let end = trimmed.length;
  while (end > 0 && stripAnsi(trimmed[end - 1] as string).trim() === '') end--;
  return end === 0 ? '' : `${trimmed.slice(0, end).join('\n')}\n`;
}

export interface ScreenReply {
  /** The job has a terminal (its pane), or is a batch job (its output's tail). */
  terminal: 'tty' | 'batch';
  state: 'running' | 'ended';
  text: string;
}

/** Reads buildScreenScript's output: a `KIND STATE` line, then the screen. */
export function parseScreenReply(output: string, ansi: boolean): ScreenReply | undefined {
  const newline = output.indexOf('\n');
  const head = (newline < 0 ? output : output.slice(0, newline)).split(' ');
  const [kind, state] = head;
  if ((kind !== 'tty' && kind !== 'batch') || (state !== 'running' && state !== 'ended')) return undefined;
  return { terminal: kind, state, text: normalizeScreen(newline < 0 ? '' : output.slice(newline + 1), ansi) };
}
