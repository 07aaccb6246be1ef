import { describe, expect, it } from 'vitest';
import { toProjectPath } from '../../../src/watch/watcher.js';

describe('toProjectPath', () => {
  it.each([
    ['/p', '/p/src/a.py', 'src/a.py'],
    ['/p', 'src/a.py', 'src/a.py'],
    ['/p', '/p', ''],
    ['/p', '/other/x', undefined],
  ])('%s + %s → %s', (root, file, rel) => {
    expect(toProjectPath(root, file)).toBe(rel);
  });
});
