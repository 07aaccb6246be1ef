// The chmod lines of a whole bundle (Bundle.modes): every level deeper than another is done before
// it, whatever the modes, so a parent that loses its owner's search permission comes last.
import { describe, expect, it } from 'vitest';
import { chmodLines } from '../../../../src/sync/sftp/bundle-script.js';

const depthOrder = (lines: string[]) => lines.map((line) => Math.max(...line.split(' -- ')[1]!.split(' || ')[0]!.split(' ').map((p) => p.replace(/'/g, '').split('/').length)));

describe('chmodLines', () => {
  it('deepest level first even where a shallower path shares a deeper one\'s mode', () => {
    const lines = chmodLines([
      { path: 'a', mode: 0o600 },
      { path: 'a/b', mode: 0o755 },
      { path: 'x/y/z', mode: 0o600 },
    ]);
    expect(lines).toEqual(['chmod 00600 -- x/y/z || exit 1', 'chmod 00755 -- a/b || exit 1', 'chmod 00600 -- a || exit 1']);
  });

  it('one line per level and mode, levels never mixed, in descending depth', () => {
    const modes = [
      { path: 'p', mode: 0o755 },
      { path: 'q', mode: 0o700 },
      { path: 'p/c1', mode: 0o755 },
      { path: 'p/c2', mode: 0o755 },
      { path: 'q/c3', mode: 0o700 },
      { path: 'p/c1/g', mode: 0o755 },
    ];
    const lines = chmodLines(modes);
    const depths = depthOrder(lines);
    expect(depths).toEqual([...depths].sort((a, b) => b - a));
    expect(lines).toHaveLength(5);
    expect(lines.join('\n')).toContain("chmod 00755 -- p/c1 p/c2 || exit 1");
  });

  it('five octal digits, special bits kept: a 4-digit mode would leave an inherited setgid on a directory', () => {
    expect(chmodLines([{ path: 'd', mode: 0o2750 }])).toEqual(['chmod 02750 -- d || exit 1']);
    expect(chmodLines([{ path: 'd', mode: 0o755 }])).toEqual(['chmod 00755 -- d || exit 1']);
  });

  it('more than 256 paths of one level and mode: several lines', () => {
    const lines = chmodLines(Array.from({ length: 300 }, (_, i) => ({ path: `d${i}`, mode: 0o711 })));
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(' -- ')[1]!.split(' || ')[0]!.split(' ')).toHaveLength(256);
  });

  it('names that need quoting are quoted', () => {
    expect(chmodLines([{ path: "it's -rf $HOME", mode: 0o755 }])).toEqual([`chmod 00755 -- 'it'\\''s -rf $HOME' || exit 1`]);
  });
});
