import { describe, expect, it } from 'vitest';
import { cacheFile, cacheKey, fileStamp } from '../../../src/config/cache.js';

const stats = (over: Partial<{ ino: number; size: number; mtimeMs: number; ctimeMs: number }> = {}) => ({ ino: 7, size: 120, mtimeMs: 1000.5, ctimeMs: 1000.5, ...over });

describe('fileStamp', () => {
  it('names a missing file', () => {
    expect(fileStamp(undefined)).toBe('absent');
  });

  it.each([
    ['another inode (saved by rename)', { ino: 8 }],
    ['another size', { size: 121 }],
    ['another mtime', { mtimeMs: 1000.25 }],
    ['another ctime (touch -m back to the old mtime)', { ctimeMs: 2000 }],
  ])('changes with %s', (_name, change) => {
    expect(fileStamp(stats(change))).not.toBe(fileStamp(stats()));
  });
});

describe('cacheKey', () => {
  const base = { build: 'b1', cwd: '/p', homedir: '/h', files: [{ path: '/p/.mtr/config.yaml', stamp: 's1' }, { path: '/h/.config/mtr/config.yaml', stamp: 'absent' }] };
  it.each([
    ['another build of mtr', { build: 'b2' }],
    ['another working folder (messages name files relative to it)', { cwd: '/p/sub' }],
    ['another home (~ in paths)', { homedir: '/h2' }],
    ['a user config that appeared', { files: [base.files[0]!, { path: base.files[1]!.path, stamp: 's2' }] }],
  ])('differs for %s', (_name, change) => {
    expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
  });

  it('is stable for the same inputs', () => {
    expect(cacheKey(structuredClone(base))).toBe(cacheKey(base));
  });
});

describe('cacheFile', () => {
  it('one file per working folder and project config, inside the given folder', () => {
    const a = cacheFile('/run/mtr', '/p', '/p/.mtr/config.yaml');
    expect(a).toMatch(/^\/run\/mtr\/config-[0-9a-f]{20}\.json$/);
    expect(cacheFile('/run/mtr', '/p/sub', '/p/.mtr/config.yaml')).not.toBe(a);
    expect(cacheFile('/run/mtr', '/p', '/q/.mtr/config.yaml')).not.toBe(a);
  });
});
