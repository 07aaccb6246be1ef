import type { Context } from '../context.js';
import { CancelledError } from '../errors.js';
import { holdLiveLine } from '../util/live-line.js';

// Line prompts for the rare questions mtr asks at a terminal (unknown host key, key passphrase).
// Only called when stdin and stderr are TTYs; batch mode refuses instead of asking.

export function canPrompt(ctx: Context): boolean {
  return Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY);
}

export function askLine(ctx: Context, question: string): Promise<string> {
  return holdLiveLine(ctx.liveLine, () => readLine(ctx, question));
}

async function readLine(ctx: Context, question: string): Promise<string> {
  const readline = await import('node:readline');
  const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stderr, terminal: true });
  try {
    // At a raw terminal Ctrl+C reaches readline as a key, not a signal: it cancels the question.
    return await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new PromptCancelled('host key')));
      rl.question(question, resolve);
    });
  } finally {
    rl.close();
  }
}

/** Ctrl+C at a prompt: the run ends as after Ctrl+C anywhere else, with one line and 130. */
export class PromptCancelled extends CancelledError {
  override name = 'PromptCancelled';
  constructor(what: string) {
    super(`cancelled at the ${what} prompt`);
  }
}

export function askSecret(ctx: Context, question: string, what = 'passphrase'): Promise<string> {
  return holdLiveLine(ctx.liveLine, () => readSecret(ctx, question, what));
}

// Reads a secret without echo: raw mode, collecting keys until Enter.
async function readSecret(ctx: Context, question: string, what: string): Promise<string> {
  const stdin = ctx.stdin;
  // Raw mode before the question shows: a key pressed as soon as it appears is neither echoed
  // (a passphrase typed ahead) nor turned into a signal by the terminal (Ctrl+C).
  stdin.setRawMode?.(true);
  ctx.stderr.write(question);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            return resolve(value);
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            return reject(new PromptCancelled(what));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    ctx.stderr.write('\n');
  }
}
