import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AHEAD_MARGIN_MS,
  buildKeepScript,
  buildSweepScript,
  classifyRemote,
  conflictFolderName,
  conflictWindow,
  formatKeptNotice,
  isServerEdit,
  takeKeptReport,
  type ConflictWindow,
} from '../../../../src/sync/plan/conflicts.js';
import { planKeeps, planUpload } from '../../../../src/sync/plan/changes.js';
import type { LocalEntry, RemoteEntry } from '../../../../src/sync/types.js';

const T = 1_700_000_000;
const window: ConflictWindow = { afterMs: T * 1000 + 500, untilMs: T * 1000 + 3_600_000, folder: '2023-11-14T22-13-20' };

describe('conflictFolderName and conflictWindow', () => {
  it('local time, with nothing a file system refuses', () => {
    expect(conflictFolderName(new Date(2026, 11, 2, 3, 40, 5))).toBe('2026-12-02T03-40-05');
  });

  it('none without a previous sync; otherwise after its end, until a day ahead of now', () => {
    const now = new Date(2026, 0, 1);
    expect(conflictWindow(undefined, now)).toBeUndefined();
    expect(conflictWindow(123, now)).toEqual({ afterMs: 123, untilMs: now.getTime() + AHEAD_MARGIN_MS, folder: '2026-01-01T00-00-00' });
  });
});

describe('isServerEdit', () => {
  it.each([
    ['written after the last sync ended', { mtime: T, mtimeMs: T * 1000 + 700 }, true],
    ['what that sync sent (no later than its end)', { mtime: T, mtimeMs: T * 1000 + 500 }, false],
    ['long before', { mtime: T - 3600, mtimeMs: (T - 3600) * 1000 }, false],
    ['dated beyond the margin: a future-dated file mtr sent', { mtime: T + 7200, mtimeMs: (T + 7200) * 1000 }, false],
    ['whole seconds only: a later second', { mtime: T + 1 }, true],
    ['whole seconds only: the second the sync ended in is not told apart', { mtime: T }, false],
  ] as const)('%s', (_name, entry, expected) => expect(isServerEdit(entry, window)).toBe(expected));
});

describe('classifyRemote', () => {
  it.each([
    ['exact time after the end', { mtime: T, mtimeMs: T * 1000 + 700, size: 1 }, undefined, 'edit'],
    ['whole seconds, the second the last sync ended in: the exact time decides', { mtime: T, size: 1 }, undefined, 'unsure'],
    ['whole seconds, an earlier second', { mtime: T - 1, size: 1 }, undefined, 'ours'],
    ['written by this watch session and still as it left it', { mtime: T + 60, size: 5 }, { size: 5, mtime: T + 60 }, 'ours'],
    ['written by this watch session, changed since (even an older time)', { mtime: T - 60, size: 5 }, { size: 5, mtime: T + 60 }, 'edit'],
    ['written by this watch session, another size', { mtime: T + 60, size: 6 }, { size: 5, mtime: T + 60 }, 'edit'],
  ] as const)('%s', (_name, entry, written, expected) => expect(classifyRemote(entry, window, written)).toBe(expected));
});

describe('planKeeps', () => {
  const file = (p: string, mtime = T + 10, size = 5): LocalEntry => ({ path: p, type: 'file', size, mtime, mode: 0o644 });
  const remote = (...entries: RemoteEntry[]) => new Map(entries.map((e) => [e.path, e]));
  it('keeps the server-edited files and links the upload replaces or removes, nothing else', () => {
    const local = { kind: 'statted' as const, root: '/p', excludedCount: 0, entries: [file('a.py'), file('b.py'), file('new.py'), { path: 'd', type: 'dir' as const, size: 0, mtime: T, mode: 0o755 }, { path: 'l', type: 'symlink' as const, size: 0, mtime: T, mode: 0o777, linkTarget: 'x' }, file('same.py', T)] };
    const there = remote(
      { path: 'a.py', type: 'file', size: 9, mtime: T + 60, mtimeMs: (T + 60) * 1000, mode: 0o644 }, // edited there
      { path: 'b.py', type: 'file', size: 9, mtime: T - 60, mode: 0o644 }, // mtr's older copy
      { path: 'd', type: 'file', size: 1, mtime: T + 60, mode: 0o644 }, // a file where a dir goes, edited
      { path: 'l', type: 'file', size: 1, mtime: T + 60, mode: 0o644 }, // a file where a link goes, edited
      { path: 'same.py', type: 'file', size: 5, mtime: T, mode: 0o644 }, // unchanged: not replaced
    );
    const plan = planUpload(local, there);
    expect(planKeeps(plan, there, window)).toEqual({ keep: ['a.py', 'd', 'l'], unsure: [] });
    // Whole seconds, in the second the last sync ended: unsure; written by this session as left: ours.
    const seconds = remote({ path: 'a.py', type: 'file', size: 9, mtime: T, mode: 0o644 }, { path: 'b.py', type: 'file', size: 9, mtime: T, mode: 0o644 });
    expect(planKeeps(plan, seconds, window, new Map([['b.py', { size: 9, mtime: T }]]))).toEqual({ keep: [], unsure: ['a.py'] });
  });
});

describe('takeKeptReport', () => {
  it('finds the sweep report in rsync stderr and leaves the rest', () => {
    const stderr = 'warning: x\n\n\0mtr-kept\0.mtr-conflicts/F\x001\0.mtr-conflicts/F/sub/train.py\0rsync: done\n';
    expect(takeKeptReport(stderr)).toEqual({ report: { folder: '.mtr-conflicts/F', count: 1, path: '.mtr-conflicts/F/sub/train.py' }, rest: 'warning: x\nrsync: done\n' });
    expect(takeKeptReport('\n\0mtr-kept\0.mtr-conflicts/F\x003\0')).toEqual({ report: { folder: '.mtr-conflicts/F', count: 3 }, rest: '' });
    expect(takeKeptReport('plain stderr')).toEqual({ rest: 'plain stderr' });
  });
});

describe('formatKeptNotice', () => {
  it.each([
    ['nothing', [], undefined],
    ['one file', [{ folder: '.mtr-conflicts/F', count: 1, path: '.mtr-conflicts/F/train.py' }], 'gpu: train.py changed on the server since the last sync; kept its version in .mtr-conflicts/F/train.py'],
    ['several', [{ folder: '.mtr-conflicts/F', count: 3 }], 'gpu: 3 files changed on the server since the last sync; kept their versions in .mtr-conflicts/F/'],
    ['two folders (two passes)', [{ folder: '.mtr-conflicts/F', count: 1, path: '.mtr-conflicts/F/a' }, { folder: '.mtr-conflicts/F-2', count: 1, path: '.mtr-conflicts/F-2/b' }], 'gpu: 2 files changed on the server since the last sync; kept their versions in .mtr-conflicts/F/ and .mtr-conflicts/F-2/'],
  ])('%s', (_name, reports, expected) => expect(formatKeptNotice('gpu', reports)).toBe(expected));
});

// The scripts, run by a real /bin/sh in a temp folder standing for remote_dir.
describe('the remote scripts', () => {
  const temps: string[] = [];
  afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const nowS = Math.floor(Date.now() / 1000);
  const live: ConflictWindow = { afterMs: (nowS - 100) * 1000 + 250, untilMs: (nowS + 3600) * 1000, folder: 'F' };

  function remoteDir(files: Record<string, number>, under = ''): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtr-keep it's-"));
    temps.push(dir);
    for (const [rel, mtime] of Object.entries(files)) {
      const file = path.join(dir, under, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, rel);
      fs.utimesSync(file, mtime, mtime);
    }
    return dir;
  }
  const list = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();

  it('sweep: keeps the server-edited backups in a fresh folder, drops mtr\'s own, keeps rsync\'s exit status', () => {
    const incoming = '.mtr-conflicts/.incoming-1';
    const dir = remoteDir({ 'old.py': nowS - 3600, 'at-end.py': nowS - 100 + 0.25, 'sub/edited.py': nowS - 10, 'future.py': nowS + 7200 }, incoming);
    fs.mkdirSync(path.join(dir, '.mtr-conflicts', 'F'));
    const script = buildSweepScript(dir, '.incoming-1', live);
    const run = spawnSync('/bin/sh', ['-c', script, 'mtr-sweep', 'sh', '-c', 'exit 23'], { encoding: 'utf8' });
    expect(run.status).toBe(23);
    // F was taken: F-2.
    expect(list(path.join(dir, '.mtr-conflicts'))).toEqual(['F', 'F-2', 'F-2/sub', 'F-2/sub/edited.py']);
    expect(takeKeptReport(run.stderr).report).toEqual({ folder: '.mtr-conflicts/F-2', count: 1, path: '.mtr-conflicts/F-2/sub/edited.py' });
  });

  it('sweep: nothing edited there leaves no folder at all; no backups, nothing done', () => {
    const dir = remoteDir({ 'a.py': nowS - 3600 }, '.mtr-conflicts/.incoming-1');
    const run = spawnSync('/bin/sh', ['-c', buildSweepScript(dir, '.incoming-1', live), 'mtr-sweep', 'true'], { encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(fs.readdirSync(dir)).toEqual([]);
    const untouched = remoteDir({ 'x.py': nowS });
    expect(spawnSync('/bin/sh', ['-c', buildSweepScript(untouched, '.incoming-1', live), 'mtr-sweep', 'true']).status).toBe(0);
    expect(list(untouched)).toEqual(['x.py']);
  });

  it('keep: moves the listed paths, in place below a fresh folder, and names it', () => {
    const dir = remoteDir({ 'a b.py': nowS, 'sub/-x.py': nowS, 'stay.py': nowS });
    const run = spawnSync('/bin/sh', ['-c', buildKeepScript(dir, 'F')], { input: './a b.py\0./sub/-x.py\0', encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('.mtr-conflicts/F\0');
    expect(list(dir)).toEqual(['.mtr-conflicts', '.mtr-conflicts/F', '.mtr-conflicts/F/a b.py', '.mtr-conflicts/F/sub', '.mtr-conflicts/F/sub/-x.py', 'stay.py', 'sub']);
  });
});
