import type { Context } from '../context.js';

// Line prompts for the rare questions mtr asks at a terminal (unknown host key, key passphrase).
// Only called when stdin and stderr are TTYs; batch mode refuses instead of asking.

export function canPrompt(ctx: Context): boolean {
  return Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY);
}

export async function askLine(ctx: Context, question: string): Promise<string> {
  const readline = await import('node:readline');
  const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}

// Reads a secret without echo: raw mode, collecting keys until Enter.
export async function askSecret(ctx: Context, question: string): Promise<string> {
  const stdin = ctx.stdin;
  ctx.stderr.write(question);
  stdin.setRawMode?.(true);
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
            return reject(new Error('cancelled'));
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
