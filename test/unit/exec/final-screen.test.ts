import { describe, expect, it } from 'vitest';
import { formatFinalScreen, parseAttachEnd } from '../../../src/exec/final-screen.js';

describe('parseAttachEnd', () => {
  it.each([
    ['3\nscreen\n', { rc: 3, screen: 'screen\n' }],
    ['\nstill running\n', { rc: undefined, screen: 'still running\n' }],
    ['0\n', { rc: 0, screen: '' }],
    ['', { rc: undefined, screen: '' }],
    ['garbage\nx', { rc: undefined, screen: 'x' }],
  ])('%j → %j', (output, expected) => {
    expect(parseAttachEnd(output)).toEqual(expected);
  });
});

describe('formatFinalScreen', () => {
  it.each([
    ['a\nb\n\n\n\n', 'a\nb\x1b[0m\n'],
    ['\x1b[31mred\x1b[39m\n\x1b[0m   \n\n', '\x1b[31mred\x1b[39m\x1b[0m\n'],
    ['one   \n  two  \n', 'one\n  two\x1b[0m\n'],
    ['\n\nlate\n', '\n\nlate\x1b[0m\n'],
    ['', ''],
    ['\n  \n\x1b[0m\n', ''],
  ])('%j → %j', (screen, expected) => {
    expect(formatFinalScreen(screen)).toBe(expected);
  });
});
