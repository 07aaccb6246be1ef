import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../../src/util/glob.js';

describe('globToRegExp', () => {
  it.each([
    ['*.example.com', 'gpu.example.com', true],
    ['*.example.com', 'example.com', false],
    ['gpu?', 'gpu1', true],
    ['gpu?', 'gpu12', false],
    ['10.0.0.*', '10.0.0.7', true],
    ['10.0.0.*', '10a0b0c7', false],
    ['a+b(c)[d]{e}|f^$\\', 'a+b(c)[d]{e}|f^$\\', true],
    ['config.d/*', 'config.d/x.conf', true],
    ['Host', 'host', false],
  ])('%j against %j: %s', (pattern, name, matches) => {
    expect(globToRegExp(pattern).test(name)).toBe(matches);
  });

  it('takes flags (known_hosts names match case-insensitively)', () => {
    expect(globToRegExp('GPU*', 'i').test('gpu.example.com')).toBe(true);
  });
});
