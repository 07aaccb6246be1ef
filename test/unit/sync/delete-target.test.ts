import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { encodeDeletionPaths } from '../../../src/sync/delete.js';
import { checkDeleteTarget, precheckDeleteTarget } from '../../../src/sync/sftp-plan.js';

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

describe('encodeDeletionPaths', () => {
  it('prefixes ./ and ends every path with NUL', () => {
    expect(encodeDeletionPaths(['a', '-rf', 'x y/z\nw']).toString()).toBe('./a\0./-rf\0./x y/z\nw\0');
  });
  it.each([[''], ['/etc/passwd'], ['../x'], ['a/../../b'], ['a//b'], ['./a'], ['a/']])('refuses %j', (p) =>
    expect(() => encodeDeletionPaths([p])).toThrow(/unsafe/),
  );
});

describe('precheckDeleteTarget (before any remote listing)', () => {
  it.each([
    ['/', /the root directory/],
    ['//', /the root directory/],
    ['~', /your home directory/],
    ['~/', /your home directory/],
    ['', /empty/],
    ['$HOME', /\$HOME/],
  ])('refuses %j', (dir, message) => {
    expect(precheckDeleteTarget(dir)?.message).toMatch(message);
  });
  it.each(['~/proj', '/srv/proj', 'proj'])('leaves %j to the full check', (dir) => {
    expect(precheckDeleteTarget(dir)).toBeUndefined();
  });
});
