import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { checkDeleteTarget, checkResolvedDeleteTarget, precheckDeleteTarget } from '../../../../src/sync/plan/delete-guard.js';

// The delete guard: what remote_dir --delete refuses (used by both engines and watch).
describe('checkDeleteTarget', () => {
  it.each([
    ['', '/root', /empty/],
    ['   ', '/root', /empty/],
    ['/', '/root', /root directory/],
    ['//', '/root', /root directory/],
    ['~', '/root', /home directory/],
    ['~/', '/root', /home directory/],
    ['.', '/home/u', /home directory/],
    ['./', '/home/u', /home directory/],
    ['/root', '/root', /home directory/],
    ['/root/', '/root', /home directory/],
    ['/home', '/home/u', /parent of your home/],
    ['/home/', '/home/u', /parent of your home/],
    ['..', '/home/u', /parent of your home/],
    ['~/..', '/home/u', /parent of your home/],
    ['~/../..', '/home/u', /root directory/],
    ['/srv/../', '/srv/u', /root directory/],
    ['$HOME', '/root', /\$HOME/],
    ['${HOME}/x', '/root', /\$HOME/],
  ])('refuses %j (home %s)', (dir, home, message) => {
    const error = checkDeleteTarget(dir, home);
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toMatch(message);
    expect(error?.exitCode).toBe(2);
  });

  it.each([
    ['~/proj', '/root'],
    ['proj', '/home/u'],
    ['/srv/data/proj', '/home/u'],
    ['/home/u2', '/home/u'],
    ['/home/u/x/..', '/home/v'],
    ['/rootless', '/root'],
  ])('accepts %j (home %s)', (dir, home) => expect(checkDeleteTarget(dir, home)).toBeUndefined());
});

describe('precheckDeleteTarget (before any remote listing)', () => {
  it.each([
    ['/', /the root directory/],
    ['//', /the root directory/],
    ['~', /your home directory/],
    ['~/', /your home directory/],
    ['', /empty/],
    ['$HOME', /\$HOME/],
    ['${HOME}/proj', /\$HOME/],
    ['/srv/..', /the root directory/],
    ['/./', /the root directory/],
    ['.', /your home directory/],
    ['./', /your home directory/],
    ['~/.', /your home directory/],
    ['a/..', /your home directory/],
    ['..', /a parent of your home directory$/],
    ['~/..', /a parent of your home directory$/],
    ['../../', /a parent of your home directory$/],
  ])('refuses %j', (dir, message) => {
    const error = precheckDeleteTarget(dir);
    expect(error?.message).toMatch(message);
    expect(error?.exitCode).toBe(2);
  });
  it.each(['~/proj', '/srv/proj', 'proj', '../sibling', '~/../other', '/home/u', '~x', '.hidden'])('leaves %j to the full check', (dir) => {
    expect(precheckDeleteTarget(dir)).toBeUndefined();
  });
});

describe('checkResolvedDeleteTarget (real paths from the server)', () => {
  it.each([
    ['~/link', '/home/u', '/home/u', /^refusing to delete remote files: remote_dir "~\/link" is your home directory once symlinks are followed \(it is \/home\/u on the server\)$/],
    ['/data/u', '/data/u', '/data/u', /your home directory once symlinks are followed/],
    ['~/up', '/data', '/data/u', /a parent of your home directory \(\/data\/u\) once symlinks are followed/],
    ['~/root', '/', '/home/u', /the root directory once symlinks are followed/],
  ])('refuses %j (real %s, home %s) like the guard: UsageError, exit 2', (dir, real, home, message) => {
    const error = checkResolvedDeleteTarget(dir, real, home);
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(message);
    expect(error?.hint).toBe(checkDeleteTarget('/', '/h')?.hint);
  });
  it.each([
    ['~/proj', '/home/u/proj', '/home/u'],
    ['/srv/p', '/srv/p', '/home/u'],
    ['/home/u2', '/home/u2', '/home/u'],
    ['~/p', '', '/home/u'],
    ['~/p', '/home/u/p', ''],
  ])('accepts %j (real %j, home %j)', (dir, real, home) => expect(checkResolvedDeleteTarget(dir, real, home)).toBeUndefined());
});
