import { describe, expect, it } from 'vitest';
import { describeNotUtf8, describeUnsendable, displayPath, escapeName } from '../../../../src/sync/scan/names.js';
import type { LocalEntry } from '../../../../src/sync/types.js';

const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('escapeName', () => {
  it.each([
    [b('plain.txt'), 'plain.txt'],
    [b('ünïcødé 日本 🚀'), 'ünïcødé 日本 🚀'],
    [b('caf', [0xff], '.txt'), 'caf\\xff.txt'],
    [b('caf', [0xe9]), 'caf\\xe9'],
    // A lead byte without its continuation, and an overlong form.
    [b([0xc3], 'x'), '\\xc3x'],
    [b([0xc0, 0xaf]), '\\xc0\\xaf'],
    [b('new\nline\t'), 'new\\x0aline\\x09'],
    // A real backslash cannot pass for an escape.
    [b('a\\xff'), 'a\\\\xff'],
  ])('%j → %s', (bytes, expected) => expect(escapeName(bytes)).toBe(expected));
});

const entry = (p: string, type: LocalEntry['type'], raw?: Buffer, targetNotUtf8?: boolean): LocalEntry => ({
  path: p, type, size: 0, mtime: 0, mode: 0o644, ...(raw ? { raw } : {}), ...(targetNotUtf8 ? { targetNotUtf8 } : {}),
});

describe('describeUnsendable / describeNotUtf8', () => {
  const list = [
    entry('caf\uFFFD.txt', 'file', b('caf', [0xff], '.txt')),
    entry('d\uFFFD', 'dir', b('d', [0xfe])),
    entry('d\uFFFD/a', 'file', b('d', [0xfe], '/a')),
    entry('d\uFFFD/sub', 'dir', b('d', [0xfe], '/sub')),
    entry('d\uFFFD/sub/b', 'file', b('d', [0xfe], '/sub/b')),
    entry('link', 'symlink', undefined, true),
  ];

  it('counts the files (a folder\'s contents too) and names the top-most paths', () => {
    expect(describeUnsendable(list)).toBe(
      'SFTP did not send 4 files whose names are not valid UTF-8 (SFTP carries names as UTF-8 text): caf\\xff.txt, d\\xfe/, link (its link target); rename them, or use sync: rsync, which sends them as they are',
    );
    expect(describeNotUtf8(list)).toBe('4 files with names that are not valid UTF-8 (rsync sends them as they are; SFTP cannot and skips them): caf\\xff.txt, d\\xfe/, link (its link target)');
  });

  it('shows five names at most, and nothing at all for none', () => {
    const many = Array.from({ length: 7 }, (_, i) => entry(`f${i}\uFFFD`, 'file', b(`f${i}`, [0xff])));
    expect(describeUnsendable(many)).toContain(': f0\\xff, f1\\xff, f2\\xff, f3\\xff, f4\\xff, … (2 more); rename');
    expect(describeUnsendable([])).toBeUndefined();
    expect(describeNotUtf8([entry('ok.txt', 'file')])).toBeUndefined();
  });

  it('displayPath: as it is unless its bytes are not UTF-8', () => {
    expect(displayPath({ path: 'a/b.txt' })).toBe('a/b.txt');
    expect(displayPath({ path: 'a\uFFFD', raw: b('a', [0x80]) })).toBe('a\\x80');
  });
});
