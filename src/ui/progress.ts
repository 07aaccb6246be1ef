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
    const spinner = ora({ stream: ctx.stderr, discardStdin: false, hideCursor: true }).start();
    const slot = ctx.liveLine;
    let paused = false;
    const live = {
      pause: () => {
        paused = true;
        spinner.stop();
      },
      resume: () => {
        paused = false;
        if (slot?.current === live) spinner.start();
      },
    };
    if (slot) slot.current = live;
    return {
      update: (text) => {
        spinner.text = text;
        if (paused) spinner.stop();
      },
      done: () => {
        if (slot?.current === live) slot.current = undefined;
        spinner.stop();
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
