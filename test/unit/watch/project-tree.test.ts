import { describe, expect, it } from 'vitest';
import { MtrError } from '../../../src/errors.js';
import { describeWatcherError, ownLogPath } from '../../../src/watch/project-tree.js';

const withCode = (code: string | undefined, message = `watch failed (${code})`) => Object.assign(new Error(message), code ? { code } : {});

describe('describeWatcherError', () => {
  it.each(['ENOSPC', 'EMFILE'])('%s ends the watch with a fix', (code) => {
    const problem = describeWatcherError(withCode(code));
    expect('fatal' in problem && problem.fatal).toBeInstanceOf(MtrError);
    if (!('fatal' in problem)) return;
    expect(problem.fatal.message).toBe(`cannot watch every directory of the project (${code})`);
    expect(problem.fatal.exitCode).toBe(1);
    expect(problem.fatal.hint).toMatch(/\.mtrignore.*max_user_watches/);
  });

  it.each([['EACCES'], [undefined]])('anything else (%s) is a note', (code) => {
    expect(describeWatcherError(withCode(code, 'no access to x'))).toEqual({ note: 'watch: no access to x' });
  });
});

describe('ownLogPath', () => {
  it.each([
    ['/p', '/p/.logs/mtr.log', '.logs/mtr.log'],
    ['/p', '/elsewhere/mtr.log', undefined],
    ['/p', '/p2/mtr.log', undefined],
    ['/p', undefined, undefined],
  ])('%s, %s → %s', (root, file, expected) => {
    expect(ownLogPath(root, file)).toBe(expected);
  });
});
