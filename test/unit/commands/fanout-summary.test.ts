import { describe, expect, it } from 'vitest';
import { formatFanOutSummary } from '../../../src/commands/fanout-summary.js';
import { combineExitCodes } from '../../../src/commands/results.js';

const r = (name: string, code: number, failure?: string) => ({ name, code, ms: 1500, ...(failure ? { failure } : {}) });

describe('combineExitCodes (as pdsh)', () => {
  it.each([
    [[r('a', 0), r('b', 0)], 0],
    [[r('a', 0), r('b', 3)], 3],
    [[r('a', 4), r('b', 255), r('c', 0)], 255],
    [[r('a', 130), r('b', 2)], 130],
  ])('%j → %d', (results, code) => expect(combineExitCodes(results)).toBe(code));
});

describe('formatFanOutSummary', () => {
  it('one line per host: name, exit code, duration, why it never ran', () => {
    expect(formatFanOutSummary('job t-1', [r('a100', 0), r('dead', 255, 'connection refused')])).toBe(
      'mtr: job t-1 on 2 servers:\n  a100  exit 0    1.5 s\n  dead  exit 255  1.5 s  (connection refused)\n',
    );
  });
});
