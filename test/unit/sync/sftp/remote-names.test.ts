import { describe, expect, it } from 'vitest';
import { checkListing, UnsafeListingError, unsafeNameReason } from '../../../../src/sync/sftp/remote-names.js';

describe('unsafeNameReason: one plain path component, nothing else', () => {
  it.each([
    ['metrics.json', undefined],
    ['name with space ü.txt', undefined],
    ['.hidden', undefined],
    ['...', undefined],
    ['a\\b', undefined],
    ['', 'an empty name'],
    ['.', 'a name that means a directory itself'],
    ['..', 'a name that means a directory itself'],
    ['../../x', 'a name with a slash'],
    ['/etc/passwd', 'a name with a slash'],
    ['a/', 'a name with a slash'],
    ['x\0y', 'a name with a NUL byte'],
  ])('%j → %s', (name, reason) => expect(unsafeNameReason(name)).toBe(reason));
});

describe('checkListing', () => {
  it('passes an honest listing', () => {
    expect(() => checkListing(['a', 'b', '.c'], '/srv/d', 'server gpu (u@h:22)')).not.toThrow();
  });

  it.each([
    [['ok', '../../../tmp/x.txt'], 'server gpu (u@h:22) listed an unsafe file name "../../../tmp/x.txt" (a name with a slash) in /srv/d'],
    [['x\0'], 'server gpu (u@h:22) listed an unsafe file name "x\\u0000" (a name with a NUL byte) in /srv/d'],
    [['a', 'b', 'a'], 'server gpu (u@h:22) listed the name "a" twice in /srv/d'],
  ])('%j → one error naming the server (exit 1)', (names, message) => {
    let error: unknown;
    try {
      checkListing(names, '/srv/d', 'server gpu (u@h:22)');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsafeListingError);
    expect(error).toMatchObject({ message, exitCode: 1 });
  });
});
