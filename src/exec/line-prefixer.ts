import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

export interface LineSink {
  write(text: string): void;
}

/** Longest partial line held back before it is written anyway (binary or newline-free output). */
export const MAX_PENDING = 64 * 1024;

// Splits a byte stream into whole lines and hands each batch of complete lines, prefixed, to `out`
// in ONE write, so lines from several hosts never interleave mid-line. A final unterminated line is
// finished with a newline. `raw` gets the bytes unchanged (the per-host log file).
export function createLinePrefixer(prefix: string, out: LineSink, raw?: (chunk: Buffer) => void): Writable & { isTTY?: boolean } {
  let pending = '';
  const decoder = new StringDecoder('utf8');
  const emit = (text: string) => {
    if (!text) return;
    out.write(
      text
        .split('\n')
        .slice(0, -1)
        .map((line) => `${prefix}${line}\n`)
        .join(''),
    );
  };
  return new Writable({
    decodeStrings: true,
    write(chunk: Buffer, _encoding, callback) {
      raw?.(chunk);
      pending += decoder.write(chunk);
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        emit(pending.slice(0, cut + 1));
        pending = pending.slice(cut + 1);
      }
      if (pending.length > MAX_PENDING) {
        emit(`${pending}\n`);
        pending = '';
      }
      callback();
    },
    final(callback) {
      pending += decoder.end();
      if (pending) emit(`${pending}\n`);
      pending = '';
      callback();
    },
  });
}
