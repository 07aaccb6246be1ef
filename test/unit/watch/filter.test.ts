import { describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from '../../../src/sync/scan/ignore.js';
import { createWatchFilter, isEditorTemp } from '../../../src/watch/filter.js';

describe('isEditorTemp', () => {
  it.each([
    ['.main.py.swp', true],
    ['src/.main.py.swo', true],
    ['main.py~', true],
    ['.#main.py', true],
    ['#main.py#', true],
    ['4913', true],
    ['src/4913', true],
    ['main.py___jb_tmp___', true],
    ['.subl1a2b.tmp', true],
    ['notes.kate-swp', true],
    ['.goutputstream-XYZ123', true],
    ['.model.pt.mtr-tmp-0a1b2c', true],
    ['main.py', false],
    ['swp', false],
    ['49130', false],
    ['a#b', false],
    ['src/#dir#/x.py', false],
  ])('%s → %s', (p, expected) => {
    expect(isEditorTemp(p)).toBe(expected);
  });
});

describe('createWatchFilter', () => {
  const files: Record<string, string> = { '/p/.gitignore': 'build/\n*.log\n!keep.log\n' };
  const matcher = createIgnoreMatcher('/p', { exclude: ['data/'], respectGitignore: true, readFile: (f) => files[f] });
  const filter = createWatchFilter(matcher, { ownPaths: ['debug/mtr.log'] });

  it.each([
    ['src/a.py', false, false],
    ['src/a.py', undefined, false],
    ['x.log', false, true],
    ['keep.log', false, false],
    // A dir-only rule hides the directory, but not a file of that name, and only once the type is known.
    ['build', true, true],
    ['build', false, false],
    ['build', undefined, false],
    ['build/out.o', false, true],
    ['build/out.o', undefined, true],
    ['data', true, true],
    ['.git', true, true],
    ['.git/index', undefined, true],
    ['.mtr/logs', true, true],
    ['.mtr/logs/mtr-1.log', false, true],
    ['.mtr/config.yaml', false, false],
    ['debug/mtr.log', false, true],
    ['.main.py.swp', false, true],
    ['.main.py.swp', undefined, true],
    ['', true, false],
  ])('%s (dir: %s) → ignored %s', (p, isDir, expected) => {
    expect(filter.isIgnored(p, isDir)).toBe(expected);
  });
});
