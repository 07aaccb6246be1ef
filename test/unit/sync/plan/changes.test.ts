import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { planDeletions, planUpload } from '../../../../src/sync/plan/changes.js';
import { tempNameFor, tempSuffixes } from '../../../../src/sync/sftp/put.js';
import { uploadChannels } from '../../../../src/sync/sftp/upload.js';
import type { LocalEntry, RemoteEntry, StattedTree } from '../../../../src/sync/types.js';

const T = 1_700_000_000;
const file = (p: string, size = 10, mtime = T, mode = 0o644): LocalEntry => ({ path: p, type: 'file', size, mtime, mode });
const dir = (p: string, mode = 0o755): LocalEntry => ({ path: p, type: 'dir', size: 0, mtime: T, mode });
const link = (p: string, target: string): LocalEntry => ({ path: p, type: 'symlink', size: 0, mtime: T, mode: 0o777, linkTarget: target });
const tree = (...entries: LocalEntry[]): StattedTree => ({ kind: 'statted', root: '/p', entries, excludedCount: 0 });
const remote = (...entries: (LocalEntry | RemoteEntry)[]) => new Map<string, RemoteEntry>(entries.map((e) => [e.path, { ...e }]));

describe('planUpload', () => {
  it('sends everything to an empty remote: dirs parents first, new dirs get their mode', () => {
    const plan = planUpload(tree(dir('a'), dir('a/b', 0o700), file('a/b/x', 5), file('y', 7, T, 0o755), link('l', 'y')), new Map());
    expect(plan.mkdirs).toEqual(['a', 'a/b']);
    expect(plan.uploads.map((e) => e.path)).toEqual(['a/b/x', 'y']);
    expect(plan.symlinks.map((e) => e.path)).toEqual(['l']);
    expect(plan.modeFixes).toEqual([{ path: 'a', mode: 0o755 }, { path: 'a/b', mode: 0o700 }]);
    expect(plan).toMatchObject({ bytes: 12, unchanged: 0, removals: [], conflicts: [] });
  });

  it.each([
    ['same size and second: unchanged', file('f'), file('f'), 'unchanged'],
    ['sub-second local mtime still matches', file('f', 10, T + 0.9), file('f'), 'unchanged'],
    ['size differs', file('f', 11), file('f'), 'upload'],
    ['mtime differs by a second', file('f', 10, T + 1), file('f'), 'upload'],
    ['remote older', file('f'), file('f', 10, T - 5), 'upload'],
    ['exec bit only', file('f', 10, T, 0o755), file('f'), 'modeFix'],
    ['remote is a symlink', file('f'), link('f', 'x'), 'upload'],
    ['remote is a directory', file('f'), dir('f'), 'conflict'],
    ['symlink, same target', link('l', 'a b'), link('l', 'a b'), 'unchanged'],
    ['symlink, other target', link('l', 'a'), link('l', 'b'), 'symlink'],
    ['symlink, target unknown (SFTP listing)', link('l', 'a'), { ...link('l', 'a'), linkTarget: undefined }, 'symlink'],
    ['symlink where a file is', link('l', 'a'), file('l'), 'symlink'],
    ['symlink where a dir is', link('l', 'a'), dir('l'), 'conflict'],
    ['dir exists', dir('d'), dir('d'), 'unchanged'],
    ['dir mode differs', dir('d', 0o700), dir('d'), 'modeFix'],
    ['dir where a file is', dir('d'), file('d'), 'removal'],
  ] as const)('%s', (_name, local, there, expected) => {
    const plan = planUpload(tree(local), remote(there));
    const outcome = plan.unchanged
      ? 'unchanged'
      : plan.conflicts.length
        ? 'conflict'
        : plan.removals.length
          ? 'removal'
          : plan.uploads.length
            ? 'upload'
            : plan.symlinks.length
              ? 'symlink'
              : plan.modeFixes.length
                ? 'modeFix'
                : 'nothing';
    expect(outcome).toBe(expected);
  });

  it('replaces a remote file by a directory and trusts nothing below it', () => {
    const plan = planUpload(tree(dir('d'), file('d/x')), remote(file('d'), file('d/x')));
    expect(plan).toMatchObject({ removals: ['d'], mkdirs: ['d'], unchanged: 0 });
    expect(plan.uploads.map((e) => e.path)).toEqual(['d/x']);
  });

  it('counts unchanged files and bytes to send', () => {
    const plan = planUpload(tree(dir('s'), file('s/a', 100), file('s/b', 200), file('c', 50)), remote(dir('s'), file('s/a', 100), file('c', 49)));
    expect(plan).toMatchObject({ mkdirs: [], unchanged: 2, bytes: 250 });
  });
});

describe("planUpload with the last sync's start (changedSinceMs)", () => {
  const since = T * 1000 + 400;
  const at = (ms: number, size = 10): LocalEntry => ({ ...file('f', size, Math.floor(ms / 1000)), mtimeMs: ms });
  it.each([
    ['changed after that sync began, same size and second: sent', at(T * 1000 + 700), since, 'upload'],
    ['changed before it began, same second: trusted', at(T * 1000 + 100), since, 'unchanged'],
    ['no record: compared by size and second', at(T * 1000 + 700), undefined, 'unchanged'],
  ] as const)('%s', (_name, local, changedSinceMs, expected) => {
    const plan = planUpload(tree(local), remote(file('f', local.size, local.mtime)), changedSinceMs === undefined ? {} : { changedSinceMs });
    expect(plan.uploads.length ? 'upload' : plan.unchanged ? 'unchanged' : 'other').toBe(expected);
  });
});

describe('planUpload: names that are not UTF-8', () => {
  it('sends none of them (nor what is inside such a folder, nor a link to such a target) and lists them', () => {
    const rawDir: LocalEntry = { ...dir('d\uFFFD'), raw: Buffer.from([0x64, 0xfe]) };
    const inside: LocalEntry = { ...file('d\uFFFD/x'), raw: Buffer.from([0x64, 0xfe, 0x2f, 0x78]) };
    const rawFile: LocalEntry = { ...file('caf\uFFFD'), raw: Buffer.from([0x63, 0x61, 0x66, 0xff]) };
    const oddLink: LocalEntry = { ...link('l', 't\uFFFD'), targetNotUtf8: true };
    const plan = planUpload(tree(file('a'), rawFile, rawDir, inside, oddLink), new Map());
    expect(plan.uploads.map((e) => e.path)).toEqual(['a']);
    expect(plan).toMatchObject({ mkdirs: [], symlinks: [], modeFixes: [] });
    expect(plan.unsendable.map((e) => e.path)).toEqual(['caf\uFFFD', 'd\uFFFD', 'd\uFFFD/x', 'l']);
  });
});

describe('planDeletions', () => {
  const ignored = (names: string[]) => (p: string) => names.some((n) => p === n || p.endsWith(`/${n}`));

  it('deletes remote-only files, keeps local ones, never touches ignored paths or their contents', () => {
    const local = tree(dir('src'), file('src/a'));
    const there = remote(
      dir('src'), file('src/a'), file('src/gone'),
      dir('outputs'), file('outputs/model.bin'), dir('outputs/run1'), file('outputs/run1/log'),
      file('debug.log'), file('old.txt'), link('stale-link', 'x'),
    );
    const plan = planDeletions(local, there, ignored(['outputs', 'debug.log']));
    expect(plan.files.sort()).toEqual(['old.txt', 'src/gone', 'stale-link']);
    expect(plan.dirs).toEqual([]);
  });

  it('removes directories only when everything inside goes too, deepest first', () => {
    const there = remote(dir('old'), dir('old/deep'), file('old/deep/x'), dir('old/empty'), dir('mixed'), file('mixed/keep.pyc'), file('mixed/gone'));
    const plan = planDeletions(tree(), there, ignored(['keep.pyc']));
    expect(plan.files.sort()).toEqual(['mixed/gone', 'old/deep/x']);
    expect(plan.dirs).toEqual(['old/empty', 'old/deep', 'old']);
  });

  it('asks isIgnored with isDir, and protects ignored directories as a whole', () => {
    const asked: [string, boolean][] = [];
    const there = remote(dir('node_modules'), file('node_modules/x.js'), file('z'));
    const plan = planDeletions(tree(), there, (p, isDir) => {
      asked.push([p, isDir]);
      return isDir && p === 'node_modules';
    });
    expect(plan).toEqual({ files: ['z'], dirs: [] });
    expect(asked).toEqual([['node_modules', true], ['z', false]]);
  });

  it('never deletes a .mtr or .git at any depth, whatever isIgnored says', () => {
    const there = remote(dir('.mtr'), file('.mtr/x'), dir('a'), dir('a/.mtr'), file('a/.mtr/config.yaml'), file('a/.git'), file('a/gone'), dir('b'), dir('b/.mtr'));
    expect(planDeletions(tree(), there, () => false)).toEqual({ files: ['a/gone'], dirs: [] });
  });

  it('keeps a path whose type changed locally (the upload replaces it)', () => {
    expect(planDeletions(tree(file('d')), remote(dir('d'), file('d/x')), () => false)).toEqual({ files: ['d/x'], dirs: [] });
  });
});

describe('tempNameFor', () => {
  it.each([
    ['/srv/p/a/b.txt', '/srv/p/a/.b.txt.mtr-tmp-abc'],
    ['/srv/p/x y', '/srv/p/.x y.mtr-tmp-abc'],
    [`/srv/${'n'.repeat(250)}`, '/srv/.mtr-tmp-abc'],
  ])('%s → %s', (target, expected) => expect(tempNameFor(target, 'abc')).toBe(expected));
});

describe('tempSuffixes', () => {
  it('counts up in hex after the run prefix: unique within a run, hex as realNameOf expects', () => {
    const next = tempSuffixes('0a1b');
    const seen = Array.from({ length: 20 }, next);
    expect(seen.slice(0, 3)).toEqual(['0a1b0', '0a1b1', '0a1b2']);
    expect(seen[17]).toBe('0a1b11');
    expect(new Set(seen).size).toBe(20);
    for (const s of seen) expect(s).toMatch(/^[0-9a-f]+$/);
  });

  it('starts each run with a fresh random prefix', () => {
    expect(tempSuffixes()()).not.toBe(tempSuffixes()());
    expect(tempSuffixes()()).toMatch(/^[0-9a-f]{8}0$/);
  });
});

describe('uploadChannels', () => {
  it.each([
    [0, 4, 1],
    [1, 4, 1],
    [256, 4, 1],
    [257, 4, 2],
    [10_003, 4, 4],
    [10_003, 1, 1],
    [10_003, 0, 1],
  ])('%d files, at most %d → %d channels', (files, max, expected) => expect(uploadChannels(files, max)).toBe(expected));
});
