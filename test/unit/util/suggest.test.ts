import { describe, expect, it } from 'vitest';
import { measureEditDistance, suggestKey } from '../../../src/util/suggest.js';

describe('suggest', () => {
  it.each([
    ['host', 'host', 0],
    ['hots', 'host', 1],
    ['hst', 'host', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('measureEditDistance(%s, %s) = %d', (a, b, expected) => {
    expect(measureEditDistance(a, b)).toBe(expected);
  });

  it.each([
    ['prot', 'port'],
    ['usr', 'user'],
    ['key-filename', 'key_filename'],
    ['xyz', undefined],
  ])('suggestKey(%s) = %s', (key, expected) => {
    expect(suggestKey(key, ['host', 'port', 'user', 'key_filename'])).toBe(expected);
  });

  it('suggests server and group names one typo away', () => {
    expect(suggestKey('gpo', ['gpu', 'cpu2', 'cluster'])).toBe('gpu');
    expect(suggestKey('clutser', ['gpu', 'cluster'])).toBe('cluster');
  });
});
