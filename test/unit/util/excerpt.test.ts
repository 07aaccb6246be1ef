import { describe, expect, it } from 'vitest';
import { formatExcerpt, sanitizeMessage } from '../../../src/util/excerpt.js';

describe('formatExcerpt', () => {
  const _ = (input: string, expected: string, max?: number) => ({ input, expected, max });
  it.each([
    _('seventy', '"seventy"'),
    _('', '""'),
    _('say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'),
    _('\u001b]0;owned\u0007', '"\\u001b]0;owned\\u0007"'),
    _('a\nb\tc\rd\u0000e\u007f\u009b', '"a\\nb\\tc\\rd\\u0000e\\u007f\\u009b"'),
    _('abc\u202edef', '"abc\\u202edef"'),
    _('abcdef', '"abc…"', 3),
    _('ü😀ß', '"ü😀…"', 2),
  ])('$input → $expected', ({ input, expected, max }) => {
    expect(formatExcerpt(input, max)).toBe(expected);
  });
});

describe('sanitizeMessage', () => {
  it('keeps newlines and tabs, escapes every other control character', () => {
    expect(sanitizeMessage('one\n\ttwo \u001b[2J\r\u0000')).toBe('one\n\ttwo \\u001b[2J\\r\\u0000');
  });
  it('cuts long lines and counts what it left out', () => {
    expect(sanitizeMessage(`${'x'.repeat(12)}\nshort`, 10)).toBe(`${'x'.repeat(10)}… (2 more characters)\nshort`);
  });
  it('keeps at most maxLines lines', () => {
    expect(sanitizeMessage('a\nb\nc\nd', 100, 2)).toBe('a\nb\n… (2 more lines)');
  });
  it('leaves a plain message alone', () => {
    const text = 'cannot connect to gpu:22: connection refused';
    expect(sanitizeMessage(text)).toBe(text);
  });
});
