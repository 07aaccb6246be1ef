import { describe, expect, it } from 'vitest';
import { INLINE_COMMAND_LIMIT, needsStaging } from '../../../src/remote/staged-command.js';

describe('needsStaging', () => {
  it.each([
    ['x'.repeat(INLINE_COMMAND_LIMIT), false],
    ['x'.repeat(INLINE_COMMAND_LIMIT + 1), true],
    // Bytes, not characters: ü is two.
    ['ü'.repeat(INLINE_COMMAND_LIMIT / 2 + 1), true],
  ])('%#', (line, expected) => expect(needsStaging(line)).toBe(expected));
});
