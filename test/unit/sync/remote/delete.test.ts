import { describe, expect, it } from 'vitest';
import { describeRefusal, encodeDeletionPaths } from '../../../../src/sync/remote/delete.js';

describe('encodeDeletionPaths', () => {
  it('prefixes ./ and ends every path with NUL', () => {
    expect(encodeDeletionPaths(['a', '-rf', 'x y/z\nw']).toString()).toBe('./a\0./-rf\0./x y/z\nw\0');
  });
  it.each([[''], ['/etc/passwd'], ['../x'], ['a/../../b'], ['a//b'], ['./a'], ['a/']])('refuses %j', (p) =>
    expect(() => encodeDeletionPaths([p])).toThrow(/unsafe/),
  );
});

describe('describeRefusal', () => {
  it('without the server\'s words, still the guard\'s refusal', () => {
    expect(describeRefusal('~/x', Buffer.alloc(0)).message).toMatch(/^refusing to delete remote files: remote_dir "~\/x" is the root directory, your home directory or a parent of it/);
  });
});
