import { describe, expect, it } from 'vitest';
import { createLineMatcher } from '../../../src/jobs/line-matcher.js';

describe('createLineMatcher', () => {
  it.each([
    ['whole line', /fired up/, ['boot\n', 'server is fired up\n'], 'server is fired up'],
    ['line split across chunks', /epoch 3/, ['epo', 'ch 3 done\n'], 'epoch 3 done'],
    ['unfinished prompt line', /Password:/, ['Password: '], 'Password: '],
    ['CRLF trimmed', /ready/, ['ready\r\n'], 'ready'],
    ['no match', /never/, ['a\n', 'b\n'], undefined],
  ])('%s', (_n, pattern, chunks, expected) => {
    const feed = createLineMatcher(pattern);
    let hit: string | undefined;
    for (const chunk of chunks) hit ??= feed(chunk);
    expect(hit).toBe(expected);
  });
});
