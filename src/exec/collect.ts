import { Writable } from 'node:stream';
import { HeadTail, type Bounded } from '../util/head-tail.js';

// --json: a job's output is kept (bounded, head and tail) for the result instead of streamed to the
// terminal. A collector never fails, so a run with --json has no reader that can go away.
export interface Collector {
  stream: Writable;
  result(): Bounded;
}

export function createCollector(maxBytes: number): Collector {
  const kept = new HeadTail(maxBytes);
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      kept.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return { stream, result: () => kept.result() };
}
