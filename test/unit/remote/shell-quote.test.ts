import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../../src/remote/shell-quote.js';


describe('shellQuote', () => {
  it.each([
    ['plain', 'plain'],
    ['a/b.c-d_e', 'a/b.c-d_e'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['~', "'~'"],
  ])('%j → %s', (input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });
});
