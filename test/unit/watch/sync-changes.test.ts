import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from '../../../src/sync/scan/ignore.js';
import type { RemoteEntry } from '../../../src/sync/types.js';
import { createWatchFilter } from '../../../src/watch/filter.js';
import { changedSince, planRemovals, snapshotPaths } from '../../../src/watch/sync-changes.js';

const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-watch-sync-'));
  temps.push(dir);
  return dir;
}

const filterFor = (rules: string) =>
  createWatchFilter(createIgnoreMatcher('/p', { exclude: rules.split('\n').filter(Boolean), respectGitignore: false, readFile: () => undefined }));

const file = (p: string): RemoteEntry => ({ path: p, type: 'file', size: 1, mtime: 0, mode: 0o644 });
const dir = (p: string): RemoteEntry => ({ path: p, type: 'dir', size: 0, mtime: 0, mode: 0o755 });

describe('planRemovals', () => {
  it('deletes removed files, and a removed directory with what the server holds inside it', () => {
    const plan = planRemovals(
      [
        { path: 'old.txt', isDir: false },
        { path: 'gone', isDir: true },
      ],
      [file('gone/a.py'), dir('gone/sub'), file('gone/sub/b.py')],
      filterFor(''),
    );
    expect(plan).toEqual({ files: ['gone/a.py', 'gone/sub/b.py', 'old.txt'], dirs: ['gone/sub', 'gone'] });
  });

  it('never touches ignored paths, nor the directories that hold them', () => {
    const plan = planRemovals(
      [
        { path: 'debug.log', isDir: false },
        { path: 'exp', isDir: true },
      ],
      [dir('exp/outputs'), file('exp/outputs/model.pt'), file('exp/run.py')],
      filterFor('*.log\noutputs/'),
    );
    expect(plan).toEqual({ files: ['exp/run.py'], dirs: [] });
  });
});

describe('snapshotPaths / changedSince', () => {
  it('never takes a .mtr/ path, though the watcher reports the project\'s config', async () => {
    const root = tempDir();
    for (const rel of ['.mtr/config.yaml', 'sub/.mtr/config.yaml', 'sub/a.py']) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), 'x');
    }
    const snapshot = await snapshotPaths(root, ['.mtr/config.yaml', '.mtr', 'sub'], filterFor(''));
    expect(snapshot.entries.map((e) => e.path)).toEqual(['sub', 'sub/a.py']);
  });

  it('stats the batch: vanished and ignored paths drop out, sorted with dirs first', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'a.py'), 'print(1)\n');
    fs.writeFileSync(path.join(root, 'x.log'), 'log');
    fs.symlinkSync('src/a.py', path.join(root, 'link'));
    const snapshot = await snapshotPaths(root, ['src/a.py', 'x.log', 'vanished.txt', 'src', 'link'], filterFor('*.log'));
    expect(snapshot.entries.map((e) => [e.path, e.type, e.size, e.linkTarget])).toEqual([
      ['link', 'symlink', 0, 'src/a.py'],
      ['src', 'dir', 0, undefined],
      ['src/a.py', 'file', 9, undefined],
    ]);
    expect([...snapshot.fingerprints.keys()].sort()).toEqual(['link', 'src', 'src/a.py']);
  });

  it('a new directory brings its whole contents, even files without an event; ignored ones stay out', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'burst', 'deep', 'logs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'burst', 'f1.txt'), '1');
    fs.writeFileSync(path.join(root, 'burst', 'f2.log'), 'log');
    fs.writeFileSync(path.join(root, 'burst', 'deep', 'f3.txt'), '3');
    fs.writeFileSync(path.join(root, 'burst', 'deep', 'logs', 'x.txt'), 'x');
    const snapshot = await snapshotPaths(root, ['burst', 'burst/f1.txt'], filterFor('*.log\nlogs/'));
    expect(snapshot.entries.map((e) => e.path)).toEqual(['burst', 'burst/deep', 'burst/deep/f3.txt', 'burst/f1.txt']);
  });

  it('finds files that changed after the snapshot', async () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'a.txt'), 'one');
    fs.writeFileSync(path.join(root, 'b.txt'), 'one');
    const snapshot = await snapshotPaths(root, ['a.txt', 'b.txt'], filterFor(''));
    expect(await changedSince(root, snapshot.fingerprints)).toEqual([]);
    fs.writeFileSync(path.join(root, 'b.txt'), 'two!');
    fs.rmSync(path.join(root, 'a.txt'));
    expect(await changedSince(root, snapshot.fingerprints)).toEqual(['b.txt']);
  });
});
