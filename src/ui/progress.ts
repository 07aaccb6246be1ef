import type { Context } from '../context.js';

// What the user sees while mtr works before the command starts (sync, connect). On a terminal in
// interactive mode: an ora spinner line, cleared before the program draws. In batch mode: nothing
// until the end, then at most one summary line on stderr, only with -v: batch output is the program's.
export interface Progress {
  update(text: string): void;
  /** Ends the progress display; `summary` is printed as one stderr line when allowed. */
  done(summary?: string): void;
}

export interface ProgressOptions {
  /** Spinner allowed: interactive mode and stderr is a terminal. */
  live: boolean;
  /** Batch mode: print the summary line at the end. */
  summary: boolean;
}

export async function createProgress(ctx: Context, options: ProgressOptions): Promise<Progress> {
  if (options.live && ctx.stderr.isTTY) {
    const { default: ora } = await import('ora');
    const slot = ctx.liveLine;
    // While a prompt holds the line the spinner waits: drawing (even a stop, which moves the cursor
    // to column 0) would land in the middle of the question and the answer being typed.
    const spinner = ora({ stream: ctx.stderr, discardStdin: false, hideCursor: true });
    let paused = Boolean(slot && slot.held > 0);
    if (!paused) spinner.start();
    const live = {
      pause: () => {
        if (!paused) spinner.stop();
        paused = true;
      },
      resume: () => {
        paused = false;
        if (slot?.current === live) spinner.start();
      },
    };
    if (slot) slot.current = live;
    return {
      // ora draws a new text on its next frame; a paused spinner has none.
      update: (text) => {
        spinner.text = text;
      },
      done: () => {
        if (slot?.current === live) slot.current = undefined;
        if (spinner.isSpinning) spinner.stop();
      },
    };
  }
  return {
    update: () => undefined,
    done: (summary) => {
      if (summary && options.summary) ctx.stderr.write(`mtr: ${summary}\n`);
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
