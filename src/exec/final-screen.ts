// What stays on the local screen after an attach: tmux drew on the terminal's alternate screen,
// which is gone when the client exits, so the job's last screen (captured on the server with its
// colours) is printed on the main screen, as the output of `ssh -t` would have stayed there.

export interface AttachEnd {
  /** The job's exit code, or undefined while it runs. */
  rc: number | undefined;
  /** The captured screen (capture-pane -e -p -J), possibly empty. */
  screen: string;
}

// The end script prints the rc (or nothing) on the first line, then the screen.
export function parseAttachEnd(output: string): AttachEnd {
  const newline = output.indexOf('\n');
  const first = (newline < 0 ? output : output.slice(0, newline)).trim();
  return {
    rc: /^\d+$/.test(first) ? Number(first) : undefined,
    screen: newline < 0 ? '' : output.slice(newline + 1),
  };
}

const ESCAPES = /\x1b\[[0-9;:?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]/g;

const isBlank = (line: string) => line.replace(ESCAPES, '').trim() === '';

/** Bytes to write once the terminal is cooked again: the screen without its blank bottom, '' if empty. */
export function formatFinalScreen(screen: string): string {
  const lines = screen.split('\n');
  while (lines.length && isBlank(lines[lines.length - 1]!)) lines.pop();
  if (!lines.length) return '';
  // Trailing spaces would wrap a full-width line early on some terminals; colours end with the screen.
  return `${lines.map((line) => line.replace(/ +$/, '')).join('\n')}\x1b[0m\n`;
}
