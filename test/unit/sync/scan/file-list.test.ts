import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rsyncExcludeRule, summarizeTree, toRsyncExcludeList } from '../../../../src/sync/scan/file-list.js';
import { createIgnoreMatcher, readRulesFile } from '../../../../src/sync/scan/ignore.js';
import type { LocalEntry, StattedTree } from '../../../../src/sync/types.js';
import { walkLocalTree } from '../../../../src/sync/scan/walk.js';

const entry = (p: string, type: LocalEntry['type'] = 'file', size = 0): LocalEntry => ({ path: p, type, size, mtime: 0, mode: 0o644 });
const treeOf = (...entries: LocalEntry[]): StattedTree => ({ kind: 'statted', root: '/p', entries, excludedCount: 0 });

describe('rsyncExcludeRule / toRsyncExcludeList', () => {
  it.each([
    ['out', true, '/out/'],
    ['a.log', false, '/a.log'],
    ['dir/name with spaces', false, '/dir/name with spaces'],
    ['star*and?q[1]', false, '/star\\*and\\?q\\[1]'],
    ['back\\slash', false, '/back\\slash'],
    ['both\\and*', false, '/both\\\\and\\*'],
    ['#hash', false, '/#hash'],
  ])('%j (dir %s) → %s', (p, isDir, rule) => expect(rsyncExcludeRule(p, isDir)).toBe(rule));

  it('joins the walk\'s exclusions with NULs, then .git and .mtr at any depth and the top .mtr-conflicts', () => {
    const tree: StattedTree = { ...treeOf(), excludedPaths: [{ path: '.git', isDir: true }, { path: 'x.log', isDir: false }] };
    expect(toRsyncExcludeList(tree).toString('utf8')).toBe('/.git/\0/x.log\0.git\0.mtr\0/.mtr-conflicts/\0');
    expect(toRsyncExcludeList(treeOf()).toString('utf8')).toBe('.git\0.mtr\0/.mtr-conflicts/\0');
  });

  it('writes a name that is not UTF-8 by its own bytes, wildcards escaped', () => {
    const raw = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2a, 0x2e, 0x6c, 0x6f, 0x67]); // caf\xe9*.log
    const tree: StattedTree = { ...treeOf(), excludedPaths: [{ path: 'caf\uFFFD*.log', isDir: false, raw }, { path: 'd\uFFFD', isDir: true, raw: Buffer.from([0x64, 0xff]) }] };
    expect(toRsyncExcludeList(tree)).toEqual(Buffer.concat([Buffer.from('/caf'), Buffer.from([0xe9]), Buffer.from('\\*.log\0/d'), Buffer.from([0xff]), Buffer.from('/\0.git\0.mtr\0/.mtr-conflicts/\0')]));
  });
});

describe('summarizeTree', () => {
  it('counts files and bytes and keeps the five largest, ties by path', () => {
    const tree = treeOf(
      entry('d', 'dir'),
      entry('l', 'symlink'),
      ...[10, 70, 30, 70, 5, 90, 1, 50].map((size, i) => entry(`f${i}`, 'file', size)),
    );
    expect(summarizeTree(tree)).toEqual({
      files: 8,
      bytes: 326,
      dirs: 1,
      symlinks: 1,
      largest: [
        { path: 'f5', size: 90 },
        { path: 'f1', size: 70 },
        { path: 'f3', size: 70 },
        { path: 'f7', size: 50 },
        { path: 'f2', size: 30 },
      ],
    });
  });

  it.each([
    [treeOf(), 5, { files: 0, bytes: 0, dirs: 0, symlinks: 0, largest: [] }],
    [treeOf(entry('a', 'file', 3)), 0, { files: 1, bytes: 3, dirs: 0, symlinks: 0, largest: [] }],
  ])('edge case %#', (tree, top, expected) => expect(summarizeTree(tree, top)).toEqual(expected));
});

// The list must make rsync create exactly the walked tree: empty dirs, symlinks, nothing ignored.
describe.skipIf(spawnSync('rsync', ['--version']).status !== 0)('rsync --files-from with the list', () => {
  const temps: string[] = [];
  afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('real rsync -r with the exclusions recreates exactly the walked tree (wildcard names too)', async () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-list-src-'));
    const dst = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-list-dst-'));
    temps.push(src, dst);
    for (const rel of ['keep/a.py', 'keep/ignored.log', 'out/x', 'odd name/ünï\nline.txt', '.git/HEAD', 'w/st*r?.log', 'w/st*r?.py', 'w/[x].log', 'w/[x].py']) {
      fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      fs.writeFileSync(path.join(src, rel), rel);
    }
    fs.writeFileSync(path.join(src, '.gitignore'), '*.log\nout/\n');
    fs.mkdirSync(path.join(src, 'empty/nested'), { recursive: true });
    fs.symlinkSync('keep', path.join(src, 'link'));
    const tree = await walkLocalTree(src, createIgnoreMatcher(src, { exclude: [], respectGitignore: true, readFile: readRulesFile }));

    const rsync = spawnSync('rsync', ['-rlpt', '--from0', '--exclude-from=-', `${src}/`, `${dst}/`], { input: toRsyncExcludeList(tree) });
    expect(rsync.stderr.toString()).toBe('');
    expect(rsync.status).toBe(0);
    const copied = await walkLocalTree(dst, createIgnoreMatcher(dst, { exclude: [], respectGitignore: false, readFile: readRulesFile }));
    expect(copied.entries.map((e) => [e.path, e.type])).toEqual(tree.entries.map((e) => [e.path, e.type]));
    expect(tree.entries.map((e) => e.path)).toContain('empty/nested');
  });
});
