import { describe, expect, it } from 'vitest';
import { comparePaths } from '../../../src/util/compare.js';

describe('comparePaths', () => {
  it('puts every dir before its contents', () => {
    expect(['a/b', 'a-c', 'a', 'a/a', 'b', 'a.d'].sort(comparePaths)).toEqual(['a', 'a-c', 'a.d', 'a/a', 'a/b', 'b']);
  });

  it('is code-unit order, not the locale: capitals first, equal strings 0', () => {
    expect(['b', 'B', 'a', 'é', 'A'].sort(comparePaths)).toEqual(['A', 'B', 'a', 'b', 'é']);
    expect(comparePaths('x', 'x')).toBe(0);
  });
});
