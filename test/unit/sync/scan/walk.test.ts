import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIgnoreMatcher, readRulesFile } from '../../../../src/sync/scan/ignore.js';
import { filesChangedSince, statTree, walkLocalTree } from '../../../../src/sync/scan/walk.js';
import { comparePaths } from '../../../../src/util/compare.js';

const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-walk-'));
  temps.push(dir);
  return dir;
}

function write(root: string, rel: string, content = ''): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

const matcherFor = (root: string, exclude: string[] = [], respectGitignore = true) =>
  createIgnoreMatcher(root, { exclude, respectGitignore, readFile: readRulesFile });

describe('walkLocalTree', () => {
  it('lists files, dirs (empty ones too) and symlinks, sorted, dirs before their contents', async () => {
    const root = tempDir();
    write(root, 'src/main.py', 'print(1)\n');
    write(root, 'src/lib/util.py');
    write(root, 'src-extra.txt');
    write(root, 'a.txt', 'abc');
    fs.mkdirSync(path.join(root, 'empty'));
    fs.symlinkSync('src', path.join(root, 'to-src'));
    fs.symlinkSync('../nowhere', path.join(root, 'dangling'));
    const tree = await walkLocalTree(root, matcherFor(root));
    expect(tree.entries.map((e) => [e.path, e.type, e.size, e.linkTarget])).toEqual([
      ['a.txt', 'file', 3, undefined],
      ['dangling', 'symlink', 0, '../nowhere'],
      ['empty', 'dir', 0, undefined],
      ['src', 'dir', 0, undefined],
      ['src-extra.txt', 'file', 0, undefined],
      ['src/lib', 'dir', 0, undefined],
      ['src/lib/util.py', 'file', 0, undefined],
      ['src/main.py', 'file', 9, undefined],
      ['to-src', 'symlink', 0, 'src'],
    ]);
    expect(tree.root).toBe(path.resolve(root));
    expect(tree.excludedCount).toBe(0);
  });

  it('without stats (the rsync scan): the same names, types and exclusions; statTree completes it', async () => {
    const root = tempDir();
    write(root, 'a.txt', 'abc');
    write(root, 'src/main.py', 'print(1)\n');
    write(root, 'logs/x.log', 'log');
    write(root, 'gone.txt', 'soon gone');
    fs.chmodSync(path.join(root, 'a.txt'), 0o751);
    fs.symlinkSync('src', path.join(root, 'to-src'));
    const full = await walkLocalTree(root, matcherFor(root, ['logs/']));
    const light = await walkLocalTree(root, matcherFor(root, ['logs/']), { stat: false });
    expect(light.kind).toBe('scanned');
    expect(light.entries.map((e) => [e.path, e.type])).toEqual(full.entries.map((e) => [e.path, e.type]));
    expect(light.entries.every((e) => !('size' in e) && !('mtime' in e) && !('linkTarget' in e))).toBe(true);
    expect(light.excludedPaths).toEqual(full.excludedPaths);
    expect(light.excludedCount).toBe(full.excludedCount);
    fs.rmSync(path.join(root, 'gone.txt'));
    // In place (a 100k-file tree is not held twice).
    const completed = await statTree(light);
    expect(completed.entries).toBe(light.entries);
    expect(completed.kind).toBe('statted');
    expect(completed.entries).toEqual(full.entries.filter((e) => e.path !== 'gone.txt'));
    expect(completed.entries.find((e) => e.path === 'a.txt')?.mode).toBe(0o751);
    expect(await statTree(completed)).toBe(completed);
  });

  it('never follows a symlinked dir, even one pointing outside the root', async () => {
    const root = tempDir();
    const outside = tempDir();
    write(outside, 'big/secret.bin', 'x');
    fs.symlinkSync(outside, path.join(root, 'ext'));
    const tree = await walkLocalTree(root, matcherFor(root));
    expect(tree.entries).toEqual([expect.objectContaining({ path: 'ext', type: 'symlink', linkTarget: outside })]);
  });

  it('keeps whole-second mtimes and permission bits', async () => {
    const root = tempDir();
    write(root, 'run.sh');
    fs.chmodSync(path.join(root, 'run.sh'), 0o751);
    fs.utimesSync(path.join(root, 'run.sh'), 1_700_000_000.9, 1_700_000_000.9);
    fs.mkdirSync(path.join(root, 'private'), { mode: 0o700 });
    fs.chmodSync(path.join(root, 'private'), 0o700);
    const tree = await walkLocalTree(root, matcherFor(root));
    expect(tree.entries.map((e) => [e.path, e.mode, e.mtime > 0])).toEqual([
      ['private', 0o700, true],
      ['run.sh', 0o751, true],
    ]);
    expect(tree.entries[1]?.mtime).toBe(1_700_000_000);
  });

  it('counts excluded paths once (an excluded dir is not entered) and drops .git/', async () => {
    const root = tempDir();
    write(root, '.git/config');
    write(root, '.gitignore', 'skip/\n*.tmp\n');
    write(root, 'skip/a');
    write(root, 'skip/deep/b');
    write(root, 'x.tmp');
    write(root, 'keep/y.tmp');
    write(root, 'keep/z.ckpt');
    write(root, 'keep/z.py');
    const matcher = matcherFor(root, ['*.ckpt']);
    const isIgnored = vi.spyOn(matcher, 'isIgnored');
    const tree = await walkLocalTree(root, matcher);
    expect(tree.entries.map((e) => e.path)).toEqual(['.gitignore', 'keep', 'keep/z.py']);
    expect(tree.excludedCount).toBe(5); // .git, skip, x.tmp, keep/y.tmp, keep/z.ckpt
    expect(isIgnored.mock.calls.map(([rel]) => rel).filter((rel) => rel.startsWith('skip/') || rel.startsWith('.git/'))).toEqual([]);
  });

  it('respectGitignore false walks gitignored files but still not .git/', async () => {
    const root = tempDir();
    write(root, '.git/HEAD');
    write(root, '.gitignore', 'out/\n');
    write(root, 'out/result.txt');
    const tree = await walkLocalTree(root, matcherFor(root, [], false));
    expect(tree.entries.map((e) => e.path)).toEqual(['.gitignore', 'out', 'out/result.txt']);
  });

  it('skips sockets and FIFOs', async () => {
    const root = tempDir();
    write(root, 'real.txt');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'app.sock'), resolve));
    const hasFifo = spawnSync('mkfifo', [path.join(root, 'pipe')]).status === 0;
    try {
      const tree = await walkLocalTree(root, matcherFor(root));
      expect(tree.entries.map((e) => e.path)).toEqual(['real.txt']);
      expect(tree.skippedSpecial).toBe(hasFifo ? 2 : 1);
      expect(tree.excludedCount).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // More folders than one slice of the walk reads at once (64) and more files than one slice of
  // stats (512): every slice boundary is crossed, many times. Creating the files is most of the time.
  it('walks a tree of many slices (200 folders, 4,000 files) and counts it right', async () => {
    const root = tempDir();
    for (let d = 0; d < 100; d++) {
      const dir = path.join(root, `d${d}`, 'sub');
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 40; f++) fs.writeFileSync(path.join(dir, `f${f}.txt`), '');
    }
    const tree = await walkLocalTree(root, matcherFor(root));
    expect(tree.entries.filter((e) => e.type === 'file')).toHaveLength(4_000);
    expect(tree.entries.filter((e) => e.type === 'dir')).toHaveLength(200);
    const paths = tree.entries.map((e) => e.path);
    expect(paths).toEqual([...paths].sort(comparePaths));
  });

  it('keeps names that are not UTF-8 by their bytes: stats, link targets, contents of such a folder, exclusions', async () => {
    const root = tempDir();
    const at = (...parts: (string | number[])[]) => Buffer.concat([Buffer.from(`${root}/`), ...parts.map((p) => Buffer.from(p as never))]);
    fs.writeFileSync(at('caf', [0xff], '.txt'), 'abc');
    fs.mkdirSync(at('d', [0xfe]));
    fs.writeFileSync(at('d', [0xfe], '/inner.txt'), 'inner');
    fs.writeFileSync(at('x', [0xff], '.log'), 'ignored');
    fs.symlinkSync(Buffer.from([0x74, 0xff]), at('odd-link'));
    // A name that is valid UTF-8 but holds U+FFFD itself is an ordinary name.
    fs.writeFileSync(path.join(root, 'real�.txt'), 'ok');
    const tree = await walkLocalTree(root, matcherFor(root, ['*.log']));
    expect(tree.entries.map((e) => [e.path, e.type, e.size, e.raw ? [...e.raw] : undefined, e.targetNotUtf8])).toEqual([
      ['caf�.txt', 'file', 3, [0x63, 0x61, 0x66, 0xff, 0x2e, 0x74, 0x78, 0x74], undefined],
      ['d�', 'dir', 0, [0x64, 0xfe], undefined],
      ['d�/inner.txt', 'file', 5, [...Buffer.from([0x64, 0xfe]), ...Buffer.from('/inner.txt')], undefined],
      ['odd-link', 'symlink', 0, undefined, true],
      ['real�.txt', 'file', 2, undefined, undefined],
    ]);
    expect(tree.excludedPaths?.map((e) => [e.path, e.raw ? [...e.raw] : undefined])).toEqual([['x�.log', [0x78, 0xff, 0x2e, 0x6c, 0x6f, 0x67]]]);
  });

  it('rejects when the root does not exist', async () => {
    const missing = path.join(tempDir(), 'nope');
    await expect(walkLocalTree(missing, matcherFor(missing))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('filesChangedSince', () => {
  it('finds the regular files modified at or after a time, on a names-only tree and a statted one alike', async () => {
    const root = tempDir();
    const T0 = 1_700_000_000;
    for (const [rel, mtime] of [['old.txt', T0 - 10], ['same-second-before.txt', T0 + 0.25], ['at.txt', T0 + 0.5], ['after.txt', T0 + 3], ['sub/new.py', T0 + 1]] as const) {
      write(root, rel, 'x');
      fs.utimesSync(path.join(root, rel), mtime, mtime);
    }
    fs.symlinkSync('old.txt', path.join(root, 'link'));
    write(root, 'gone.txt');
    fs.utimesSync(path.join(root, 'gone.txt'), T0 + 5, T0 + 5);
    const names = await walkLocalTree(root, matcherFor(root), { stat: false });
    fs.rmSync(path.join(root, 'gone.txt'));
    const since = T0 * 1000 + 500;
    expect((await filesChangedSince(names, since)).map((e) => e.path)).toEqual(['after.txt', 'at.txt', 'sub/new.py']);
    expect(names.kind).toBe('scanned');
    const full = await walkLocalTree(root, matcherFor(root));
    expect(full.entries.every((e) => e.mtimeMs !== undefined && e.mtime === Math.floor(e.mtimeMs / 1000))).toBe(true);
    expect((await filesChangedSince(full, since)).map((e) => e.path)).toEqual(['after.txt', 'at.txt', 'sub/new.py']);
  });
});
