import { describe, expect, it } from 'vitest';
import { bundlesWhole, planBundle, planBundleMoves, type BundleLimits, type BundleMove } from '../../../../src/sync/plan/bundle.js';
import { planUpload, type UploadPlan } from '../../../../src/sync/plan/changes.js';
import type { LocalEntry, RemoteEntry, StattedTree } from '../../../../src/sync/types.js';

const T = 1_700_000_000;
const file = (p: string, size = 10, mode = 0o644): LocalEntry => ({ path: p, type: 'file', size, mtime: T, mode });
const dir = (p: string, mode = 0o755): LocalEntry => ({ path: p, type: 'dir', size: 0, mtime: T, mode });
const link = (p: string, target: string): LocalEntry => ({ path: p, type: 'symlink', size: 0, mtime: T, mode: 0o777, linkTarget: target });
const tree = (...entries: LocalEntry[]): StattedTree => ({ kind: 'statted', root: '/p', entries, excludedCount: 0 });
const remote = (...entries: LocalEntry[]) => new Map<string, RemoteEntry>(entries.map((e) => [e.path, { ...e }]));
const plan = (overrides: Partial<UploadPlan>): UploadPlan => ({
  mkdirs: [],
  uploads: [],
  modeFixes: [],
  symlinks: [],
  removals: [],
  conflicts: [],
  unchanged: 0,
  bytes: 0,
  unsendable: [],
  ...overrides,
});
const paths = (entries: readonly LocalEntry[] | undefined) => (entries ?? []).map((e) => e.path);
const LIMITS: BundleLimits = { minEntries: 3, maxFileBytes: 100 };

describe('planBundle', () => {
  it.each([
    ['nothing at all', plan({}), new Map<string, RemoteEntry>(), { minEntries: 0, maxFileBytes: 100 }],
    ['two new entries, three needed', plan({ uploads: [file('a'), file('b')], bytes: 20 }), remote(), LIMITS],
    ['one dir and one file, three needed', plan({ mkdirs: ['d'], uploads: [file('d/a')], bytes: 10 }), remote(), LIMITS],
    ['many files, all replaced (listed remotely)', plan({ uploads: [file('a'), file('b'), file('c')], bytes: 30 }), remote(file('a', 1), file('b', 1), file('c', 1)), LIMITS],
    ['many new files, all too big', plan({ uploads: [file('a', 101), file('b', 500), file('c', 1000)], bytes: 1601 }), remote(), LIMITS],
    ['symlinks replacing listed ones', plan({ symlinks: [link('a', 'x'), link('b', 'x'), link('c', 'x')] }), remote(link('a', 'y'), link('b', 'y'), link('c', 'y')), LIMITS],
  ] as const)('no bundle: %s → rest is the plan itself', (_name, upload, there, limits) => {
    const split = planBundle(upload, there, limits);
    expect(split.bundle).toBeUndefined();
    expect(split.rest).toBe(upload);
  });

  it.each([
    // [name, file, remote listing, limits, bundled?]
    ['new small file', file('n', 50), remote(), true],
    ['exactly maxFileBytes', file('n', 100), remote(), true],
    ['empty new file', file('n', 0), remote(), true],
    ['one byte over maxFileBytes', file('n', 101), remote(), false],
    ['replaced (listed remotely as a file)', file('n', 50), remote(file('n', 49)), false],
    ['replaced (listed remotely as a symlink)', file('n', 50), remote(link('n', 'x')), false],
  ] as const)('root-level file, %s', (_name, entry, there, bundled) => {
    // Three fresh dirs make the bundle worth it whatever the file does.
    const upload = plan({ mkdirs: ['d1', 'd2', 'd3'], uploads: [entry], bytes: entry.size });
    const split = planBundle(upload, there, LIMITS);
    expect(split.bundle?.dirs).toEqual(['d1', 'd2', 'd3']);
    expect(paths(split.bundle?.entries)).toEqual(bundled ? ['n'] : []);
    expect(paths(split.rest.uploads)).toEqual(bundled ? [] : ['n']);
    expect(split.rest.bytes).toBe(bundled ? 0 : entry.size);
  });

  it('splits new, replaced and big files; rest keeps the rest of the plan untouched', () => {
    const upload = plan({
      mkdirs: ['new', 'new/sub'],
      uploads: [file('a', 10), file('b', 20), file('big', 1000), file('replaced', 30), file('new/x', 5), file('new/sub/y', 6), file('new/huge', 200)],
      symlinks: [link('l1', 'a'), link('l2', 'b'), link('new/l3', '../a')],
      modeFixes: [{ path: 'new', mode: 0o755 }, { path: 'new/sub', mode: 0o700 }, { path: 'a', mode: 0o600 }],
      removals: ['gone'],
      conflicts: [],
      unchanged: 7,
      bytes: 1271,
      unsendable: [file('bad')],
    });
    const split = planBundle(upload, remote(file('replaced', 3), link('l2', 'old')), LIMITS);
    expect(split.bundle).toBeDefined();
    expect(split.bundle?.dirs).toEqual(['new', 'new/sub']);
    expect(paths(split.bundle?.entries)).toEqual(['a', 'b', 'new/x', 'new/sub/y', 'l1', 'new/l3']);
    expect(paths(split.rest.uploads)).toEqual(['big', 'replaced', 'new/huge']);
    expect(paths(split.rest.symlinks)).toEqual(['l2']);
    expect(split.rest.mkdirs).toEqual([]);
    expect(split.rest.bytes).toBe(1000 + 30 + 200);
    // Modes are still set over SFTP afterwards; removals, counts and the unsendable stay as they were.
    expect(split.rest.modeFixes).toBe(upload.modeFixes);
    expect(split.rest).toMatchObject({ removals: ['gone'], conflicts: [], unchanged: 7 });
    expect(paths(split.rest.unsendable)).toEqual(['bad']);
    // The input plan is not changed.
    expect(upload.mkdirs).toEqual(['new', 'new/sub']);
    expect(upload.uploads).toHaveLength(7);
    expect(upload.bytes).toBe(1271);
  });

  it('a file under a fresh dir is new even where the remote map lists its path (the dir replaces a file)', () => {
    const local = tree(dir('d'), file('d/x', 5), file('d/y', 6), link('d/l', 'x'));
    // Remotely `d` is a file; the stale listing also has entries below it (another tree's).
    const there = remote(file('d', 3), file('d/x', 5), link('d/l', 'x'));
    const upload = planUpload(local, there);
    expect(upload).toMatchObject({ mkdirs: ['d'], removals: ['d'] });
    const split = planBundle(upload, there, LIMITS);
    expect(split.bundle?.dirs).toEqual(['d']);
    expect(paths(split.bundle?.entries)).toEqual(['d/x', 'd/y', 'd/l']);
    expect(split.rest).toMatchObject({ mkdirs: [], uploads: [], symlinks: [], removals: ['d'], bytes: 0 });
  });

  it('counts dirs, files and symlinks together against minEntries', () => {
    const upload = plan({ mkdirs: ['d'], uploads: [file('d/f')], symlinks: [link('d/l', 'f')], bytes: 10 });
    expect(planBundle(upload, remote(), { minEntries: 3, maxFileBytes: 100 }).bundle).toBeDefined();
    expect(planBundle(upload, remote(), { minEntries: 4, maxFileBytes: 100 }).bundle).toBeUndefined();
  });

  it('does not count entries that stay with SFTP', () => {
    const upload = plan({ uploads: [file('a'), file('b'), file('big', 101), file('old')], bytes: 131 });
    expect(planBundle(upload, remote(file('old')), { minEntries: 3, maxFileBytes: 100 }).bundle).toBeUndefined();
    expect(paths(planBundle(upload, remote(file('old')), { minEntries: 2, maxFileBytes: 100 }).bundle?.entries)).toEqual(['a', 'b']);
  });

  it('symlinks go whatever their target length; new ones only', () => {
    const long = 'x'.repeat(5000);
    const upload = plan({ symlinks: [link('a', long), link('b', 'y'), link('c', 'z'), link('d', 'w')] });
    const split = planBundle(upload, remote(link('d', 'v')), LIMITS);
    expect(paths(split.bundle?.entries)).toEqual(['a', 'b', 'c']);
    expect(paths(split.rest.symlinks)).toEqual(['d']);
  });

  it('the default limits: 16 entries and 256 KiB', () => {
    const few = plan({ uploads: Array.from({ length: 15 }, (_, i) => file(`f${i}`)), bytes: 150 });
    expect(planBundle(few, remote()).bundle).toBeUndefined();
    const enough = plan({ uploads: [...few.uploads, file('f15', 256 * 1024), file('f16', 256 * 1024 + 1)], bytes: 150 + 512 * 1024 + 1 });
    const split = planBundle(enough, remote());
    expect(split.bundle?.entries).toHaveLength(16);
    expect(paths(split.rest.uploads)).toEqual(['f16']);
    expect(split.rest.bytes).toBe(256 * 1024 + 1);
  });
});

describe("planBundle: the directories' modes", () => {
  const fresh = () => planUpload(tree(dir('d', 0o750), dir('d/e', 0o700), file('d/a'), file('d/e/b'), file('c')), remote());

  it('go with the bundle when it carries everything: SFTP is left nothing to do', () => {
    const split = planBundle(fresh(), remote(), LIMITS);
    expect(split.bundle?.modes).toEqual([{ path: 'd', mode: 0o750 }, { path: 'd/e', mode: 0o700 }]);
    expect(split.rest.modeFixes).toEqual([]);
    expect([split.rest.mkdirs, split.rest.uploads, split.rest.symlinks, split.rest.removals]).toEqual([[], [], [], []]);
  });

  it.each([
    ['a file too big for the bundle', tree(dir('d'), dir('d/e'), file('d/a'), file('d/big', 101)), remote()],
    ['a replaced symlink', tree(dir('d'), dir('d/e'), file('d/a'), link('l', 'x')), remote(link('l', 'y'))],
    ['a removal (a file where a new dir goes)', tree(dir('d'), dir('d/e'), file('d/a'), file('d/e/b')), remote(file('d'))],
    ["an existing directory's mode", tree(dir('old', 0o700), dir('d'), dir('d/e'), file('d/a')), remote(dir('old', 0o755))],
  ])('stay with SFTP (set last, after its files) when it has work left: %s', (_name, local, there) => {
    const upload = planUpload(local, there);
    const split = planBundle(upload, there, LIMITS);
    expect(split.bundle).toBeDefined();
    expect(split.bundle?.modes).toBeUndefined();
    expect(split.rest.modeFixes).toEqual(upload.modeFixes);
  });
});

describe('bundlesWhole (a first upload that needs no SFTP session)', () => {
  it.each([
    ['16 small entries', [...Array.from({ length: 15 }, (_, i) => file(`f${i}`)), dir('d')], true],
    ['15 entries (too few for a bundle)', Array.from({ length: 15 }, (_, i) => file(`f${i}`)), false],
    ['one file over 256 KiB', [...Array.from({ length: 20 }, (_, i) => file(`f${i}`)), file('big', 256 * 1024 + 1)], false],
    ['exactly 256 KiB', [...Array.from({ length: 20 }, (_, i) => file(`f${i}`)), file('edge', 256 * 1024)], true],
    ['symlinks and dirs count, have no size limit', [...Array.from({ length: 8 }, (_, i) => link(`l${i}`, 'x')), ...Array.from({ length: 8 }, (_, i) => dir(`d${i}`))], true],
  ] as const)('%s → %s', (_name, entries, whole) => {
    expect(bundlesWhole(entries)).toBe(whole);
  });

  it('a file of unknown size (scanned without stat) may be large: not whole', () => {
    expect(bundlesWhole([...Array.from({ length: 20 }, (_, i) => file(`f${i}`)), { type: 'file' }])).toBe(false);
  });
});

describe('planBundleMoves', () => {
  it.each<[string, string[], string[], BundleMove[]]>([
    ['nothing', [], [], []],
    ['root-level files go into "."', [], ['a', 'b c'], [{ kind: 'into', dir: '.', names: ['a', 'b c'] }]],
    ['a fresh dir moves whole, its files with it', ['d'], ['d/x', 'd/y'], [{ kind: 'dir', path: 'd' }]],
    ['only top-most fresh dirs', ['d', 'd/e', 'd/e/f', 'g'], ['d/e/f/x', 'g/y'], [{ kind: 'dir', path: 'd' }, { kind: 'dir', path: 'g' }]],
    ['an empty fresh dir still moves', ['empty'], [], [{ kind: 'dir', path: 'empty' }]],
    ['a fresh dir inside an existing one', ['old/new'], ['old/new/x', 'old/y'], [{ kind: 'dir', path: 'old/new' }, { kind: 'into', dir: 'old', names: ['y'] }]],
    [
      'grouped per existing dir, in first-seen order',
      [],
      ['a/x', 'b/y', 'a/z', 'top', 'a/b/w'],
      [
        { kind: 'into', dir: 'a', names: ['x', 'z'] },
        { kind: 'into', dir: 'b', names: ['y'] },
        { kind: 'into', dir: '.', names: ['top'] },
        { kind: 'into', dir: 'a/b', names: ['w'] },
      ],
    ],
    [
      'dirs first, then the files not below a fresh dir',
      ['n', 'n/m'],
      ['n/m/f', 'keep/g', 'n/h', 'r'],
      [
        { kind: 'dir', path: 'n' },
        { kind: 'into', dir: 'keep', names: ['g'] },
        { kind: 'into', dir: '.', names: ['r'] },
      ],
    ],
  ])('%s', (_name, dirs, sent, expected) => {
    expect(planBundleMoves(dirs, sent)).toEqual(expected);
  });

  it.each([
    [256, [256]],
    [257, [256, 1]],
    [600, [256, 256, 88]],
  ])('%i names into one dir → moves of %j names', (count, sizes) => {
    const names = Array.from({ length: count }, (_, i) => `f${i}`);
    const moves = planBundleMoves([], names.map((n) => `src/${n}`));
    expect(moves.map((m) => (m.kind === 'into' ? m.names.length : -1))).toEqual(sizes);
    expect(moves.every((m) => m.kind === 'into' && m.dir === 'src')).toBe(true);
    expect(moves.flatMap((m) => (m.kind === 'into' ? m.names : []))).toEqual(names);
  });

  it('does not chunk across dirs: 256 per dir, not per bundle', () => {
    const sent = [...Array.from({ length: 200 }, (_, i) => `a/${i}`), ...Array.from({ length: 200 }, (_, i) => `b/${i}`)];
    const moves = planBundleMoves([], sent);
    expect(moves.map((m) => (m.kind === 'into' ? [m.dir, m.names.length] : []))).toEqual([
      ['a', 200],
      ['b', 200],
    ]);
  });

  it('a file under a fresh dir is never moved on its own, however deep', () => {
    const dirs = ['p', 'p/q', 'p/q/r'];
    const moves = planBundleMoves(dirs, ['p/1', 'p/q/2', 'p/q/r/3']);
    expect(moves).toEqual([{ kind: 'dir', path: 'p' }]);
  });
});
