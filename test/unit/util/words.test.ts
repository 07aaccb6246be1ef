import { expect, it } from 'vitest';
import { plural } from '../../../src/util/words.js';

it.each([
  [0, 'path', '0 paths'],
  [1, 'path', '1 path'],
  [2, 'path', '2 paths'],
  [1, 'entry', '1 entry'],
])('plural(%d, %s) = %s', (count, word, expected) => expect(plural(count, word)).toBe(expected));

it('takes an irregular plural', () => expect(plural(3, 'entry', 'entries')).toBe('3 entries'));
