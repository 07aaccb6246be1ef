import { describe, expect, it } from 'vitest';
import { exitStatusFrom } from '../../../src/util/exit-status.js';

describe('exitStatusFrom', () => {
  it.each([
    [0, undefined, 0],
    [7, undefined, 7],
    [255, undefined, 255],
    [null, 'TERM', 143],
    [null, 'SIGKILL', 137],
    [null, 'INT', 130],
    [null, 'HUP', 129],
    [null, undefined, null],
    [undefined, null, null],
  ] as const)('code %j signal %j → %j', (code, signal, expected) => {
    expect(exitStatusFrom(code, signal)).toBe(expected);
  });
});
