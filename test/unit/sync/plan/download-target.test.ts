import { describe, expect, it } from 'vitest';
import { planLocalTarget, type LocalKind } from '../../../../src/sync/plan/download-target.js';

// What is at each local path in these rows; anything else is missing.
const HERE: Record<string, LocalKind> = {
  '/p': 'dir',
  '/p/results': 'dir',
  '/p/results/run1': 'dir',
  '/p/notes.txt': 'file',
  '/p/results/m.json': 'file',
  '/p/clash': 'dir',
  '/p/clash/m.json': 'dir',
  '/p/clash/run1': 'file',
};
const kindOf = (p: string): LocalKind => HERE[p] ?? 'missing';
const plan = (to: string, into: boolean, name: string, remoteKind: 'dir' | 'file') =>
  planLocalTarget({ dest: { path: to, into }, name, remoteKind, kindOf });

describe('planLocalTarget: where a download lands (both engines)', () => {
  it.each([
    // A file: into a folder (trailing slash, existing dir, no --to), else the name given.
    ['/p/new.json', false, 'm.json', 'file', '/p/new.json'],
    ['/p/a/b/new.json', false, 'm.json', 'file', '/p/a/b/new.json'],
    ['/p/notes.txt', false, 'm.json', 'file', '/p/notes.txt'],
    ['/p/results', false, 'm.json', 'file', '/p/results/m.json'],
    ['/p/results', true, 'm.json', 'file', '/p/results/m.json'],
    ['/p/newdir', true, 'm.json', 'file', '/p/newdir/m.json'],
    ['/p', true, 'm.json', 'file', '/p/m.json'],
    // A directory: always into the folder under its own name, whether it exists or not (idempotent).
    ['/p/results', false, 'run1', 'dir', '/p/results/run1'],
    ['/p/results', true, 'run1', 'dir', '/p/results/run1'],
    ['/p/fresh', false, 'run1', 'dir', '/p/fresh/run1'],
    ['/p/fresh', true, 'run1', 'dir', '/p/fresh/run1'],
    ['/p', true, 'outputs', 'dir', '/p/outputs'],
  ] as const)('--to %s (into=%s), remote %s (%s) → %s', (to, into, name, kind, expected) => {
    expect(plan(to, into, name, kind)).toBe(expected);
  });

  it('runs twice to the same place: the first run made the folder, the second finds it', () => {
    const first = plan('/p/fresh', false, 'run1', 'dir');
    const made: Record<string, LocalKind> = { '/p/fresh': 'dir', [first]: 'dir' };
    const second = planLocalTarget({ dest: { path: '/p/fresh', into: false }, name: 'run1', remoteKind: 'dir', kindOf: (p) => made[p] ?? 'missing' });
    expect(second).toBe(first);
  });

  it.each([
    ['/p/notes.txt', true, 'm.json', 'file', /^\/p\/notes\.txt is a file, so nothing can go into it$/, 2],
    ['/p/notes.txt', false, 'run1', 'dir', /^\/p\/notes\.txt is a file, so nothing can go into it$/, 2],
    ['/p/clash', false, 'm.json', 'file', /^\/p\/clash\/m\.json is a folder here, but m\.json on the server is a file$/, 1],
    ['/p/clash', true, 'run1', 'dir', /^\/p\/clash\/run1 is a file here, but run1 on the server is a folder$/, 1],
  ] as const)('--to %s (into=%s), remote %s (%s) → refused before anything is written', (to, into, name, kind, message, exitCode) => {
    let error: unknown;
    try {
      plan(to, into, name, kind);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ message: expect.stringMatching(message), exitCode, hint: expect.any(String) });
  });
});
