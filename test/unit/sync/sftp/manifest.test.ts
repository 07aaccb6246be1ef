import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRemotePath } from '../../../../src/sync/sftp/download.js';
import { resolveSftpPath } from '../../../../src/sync/sftp/session.js';
import { buildManifestScript, buildMtimesScript, floorSeconds, parseFindPrintf, parseManifestOutput, parseMtimes } from '../../../../src/sync/sftp/manifest.js';

const record = (...fields: string[]) => fields.map((f) => `${f}\0`).join('');

describe('parseFindPrintf', () => {
  it('keeps hostile names intact: newlines, spaces, quotes, unicode, leading dashes, backslashes', () => {
    const names = ['a\nb', ' lead and trail ', "it's \"quoted\"", 'ünï/cödé 🚀', '-rf', 'back\\slash', '$(rm -rf ~)', 'tab\there'];
    const buf = Buffer.from(names.map((n, i) => record('f', n, String(i), `1700000000.${i}99999999`, '644', '')).join(''));
    const entries = parseFindPrintf(buf);
    expect(entries.map((e) => e.path)).toEqual(names);
    expect(entries[3]).toEqual({ path: 'ünï/cödé 🚀', type: 'file', size: 3, mtime: 1700000000, mtimeMs: 1700000000399.9999, mode: 0o644 });
  });

  it.each([
    ['file', record('f', 'x', '12', '1700000000.9999999999', '755', ''), { path: 'x', type: 'file', size: 12, mtime: 1700000000, mtimeMs: 1700000001000, mode: 0o755 }],
    ['dir size is ignored', record('d', 'src', '4096', '1.5', '2775', ''), { path: 'src', type: 'dir', size: 0, mtime: 1, mtimeMs: 1500, mode: 0o2775 }],
    ['symlink with target', record('l', 'ln', '9', '100', '777', '../a b\nc'), { path: 'ln', type: 'symlink', size: 0, mtime: 100, mtimeMs: 100000, mode: 0o777, linkTarget: '../a b\nc' }],
    ['whole-second mtime', record('f', 'y', '0', '1700000000.0000000000', '600', ''), { path: 'y', type: 'file', size: 0, mtime: 1700000000, mtimeMs: 1700000000000, mode: 0o600 }],
    ['no mtime at all', record('f', 'z', '0', '', '600', ''), { path: 'z', type: 'file', size: 0, mtime: 0, mode: 0o600 }],
  ])('%s', (_name, input, expected) => expect(parseFindPrintf(Buffer.from(input))).toEqual([expected]));

  it('skips sockets, fifos and devices, and drops a truncated trailing record', () => {
    const buf = Buffer.from(record('p', 'fifo', '0', '1', '644', '') + record('s', 'sock', '0', '1', '755', '') + record('f', 'ok', '1', '2', '644', '') + 'f\0cut\0' + '12');
    expect(parseFindPrintf(buf).map((e) => e.path)).toEqual(['ok']);
  });

  it('parses what the real GNU find prints for a hostile tree', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-find-'));
    try {
      fs.mkdirSync(path.join(dir, 'sub dir'));
      fs.writeFileSync(path.join(dir, 'sub dir', 'new\nline ü'), 'hello');
      fs.chmodSync(path.join(dir, 'sub dir', 'new\nline ü'), 0o751);
      fs.utimesSync(path.join(dir, 'sub dir', 'new\nline ü'), 1600000000, 1600000000.75);
      fs.symlinkSync('sub dir/new\nline ü', path.join(dir, 'link'));
      const out = execFileSync('sh', ['-c', buildManifestScript(dir)]);
      const parsed = parseManifestOutput(out)!;
      expect(parsed.state).toBe('F');
      const entries = parseFindPrintf(parsed.records).sort((a, b) => a.path.localeCompare(b.path));
      expect(entries).toEqual([
        expect.objectContaining({ path: 'link', type: 'symlink', linkTarget: 'sub dir/new\nline ü' }),
        expect.objectContaining({ path: 'sub dir', type: 'dir' }),
        { path: 'sub dir/new\nline ü', type: 'file', size: 5, mtime: 1600000000, mtimeMs: 1600000000750, mode: 0o751 },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the conflicts folder', () => {
  it('is never listed by the real GNU find (a folder of that name deeper down is)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-find-'));
    try {
      for (const rel of ['.mtr-conflicts/2026-01-01T00-00-00/a.py', 'sub/.mtr-conflicts/b.py', 'c.py']) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), 'x');
      }
      const parsed = parseManifestOutput(execFileSync('sh', ['-c', buildManifestScript(dir)]))!;
      expect(parseFindPrintf(parsed.records).map((e) => e.path).sort()).toEqual(['c.py', 'sub', 'sub/.mtr-conflicts', 'sub/.mtr-conflicts/b.py']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exact mtimes', () => {
  it('the real GNU find prints those of the paths asked (hostile names too); missing ones drop out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-times-'));
    try {
      fs.mkdirSync(path.join(dir, 'sub'));
      for (const [rel, t] of [['a b', 1600000000.25], ['sub/-n\nx', 1600000001.5]] as const) {
        fs.writeFileSync(path.join(dir, rel), 'x');
        fs.utimesSync(path.join(dir, rel), t, t);
      }
      const out = execFileSync('sh', ['-c', buildMtimesScript(dir)], { input: './a b\0./sub/-n\nx\0./gone\0' });
      expect(parseMtimes(out)).toEqual(new Map([['a b', 1600000000250], ['sub/-n\nx', 1600000001500]]));
      expect(parseMtimes(Buffer.from('no tag'))).toEqual(new Map());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('upload leftovers', () => {
  it('upload temp files are never entries; stale ones (x records) are leftovers', () => {
    const temp = 'sub/.model.pt.mtr-tmp-0a1b2c3d4';
    const buf = Buffer.from(
      record('f', temp, '5', '1', '600', '') +
        record('x', temp, '', '', '', '') +
        record('l', '.mtr-tmp-0a1b2c3d5', '0', '1', '777', 'x') +
        record('f', '.notes.mtr-tmp-draft', '1', '1', '644', '') +
        record('f', 'ok', '1', '1', '644', ''),
    );
    const leftovers: string[] = [];
    expect(parseFindPrintf(buf, leftovers).map((e) => e.path)).toEqual(['.notes.mtr-tmp-draft', 'ok']);
    expect(leftovers).toEqual([temp]);
  });

  it('the real GNU find marks upload temps older than the age, and nothing else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-find-'));
    try {
      fs.mkdirSync(path.join(dir, 'd'));
      for (const name of ['d/.a.txt.mtr-tmp-0a1b2c3d0', '.mtr-tmp-0a1b2c3d1', 'plain', '.x.mtr-tmp-nothex']) fs.writeFileSync(path.join(dir, name), 'x');
      fs.mkdirSync(path.join(dir, '.dir.mtr-tmp-0a1b2c3d2'));
      const list = (age?: number) => {
        const leftovers: string[] = [];
        const parsed = parseManifestOutput(execFileSync('sh', ['-c', buildManifestScript(dir, age === undefined ? {} : { leftoverAgeSeconds: age })]))!;
        const entries = parseFindPrintf(parsed.records, leftovers).map((e) => e.path).sort();
        return { entries, leftovers: leftovers.sort() };
      };
      expect(list(0)).toEqual({
        entries: ['.dir.mtr-tmp-0a1b2c3d2', '.x.mtr-tmp-nothex', 'd', 'plain'],
        leftovers: ['.mtr-tmp-0a1b2c3d1', 'd/.a.txt.mtr-tmp-0a1b2c3d0'],
      });
      expect(list(3600).leftovers).toEqual([]);
      expect(list(undefined).leftovers).toEqual([]);
      expect(list(3600).entries).toEqual(list(0).entries);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without an age the script is the one every sync ran before (no leftover scan)', () => {
    expect(buildManifestScript('~/p')).not.toContain('-cmin');
    expect(buildManifestScript('~/p', { leftoverAgeSeconds: 60 })).toContain("-cmin +1 -printf 'x\\0%P");
    expect(buildManifestScript('~/p', { leftoverAgeSeconds: 6 })).toContain('-cmin +0.1 ');
  });
});

describe('parseManifestOutput', () => {
  const tag = '\0mtr-manifest-1\0';
  it.each([
    ['missing dir', `${tag}/home/u\0M`, { home: '/home/u', state: 'M', records: '' }],
    ['no -printf', `${tag}/root\0N`, { home: '/root', state: 'N', records: '' }],
    ['records', `${tag}/root\0F${record('f', 'a', '1', '1', '644', '')}`, { home: '/root', state: 'F', records: record('f', 'a', '1', '1', '644', '') }],
    ['noise from a chatty .bashrc first', `Welcome!\n${tag}/h\0M`, { home: '/h', state: 'M', records: '' }],
    ['guarded', `${tag}/h\0R/\0/h\0G`, { home: '/h', real: { dir: '/', home: '/h' }, state: 'G', records: '' }],
    ['real paths', `${tag}/h\0R/data/p\0/data/h\0F${record('f', 'a', '1', '1', '644', '')}`, { home: '/h', real: { dir: '/data/p', home: '/data/h' }, state: 'F', records: record('f', 'a', '1', '1', '644', '') }],
  ])('%s', (_name, input, expected) => {
    const parsed = parseManifestOutput(Buffer.from(input))!;
    expect({ ...parsed, records: parsed.records.toString() }).toEqual(expected);
  });

  it.each([['no tag', '/root\0F'], ['cut after home', `${tag}/root`], ['unknown state', `${tag}/root\0X`], ['cut real paths', `${tag}/root\0R/x\0`]])('%s → undefined', (_n, input) =>
    expect(parseManifestOutput(Buffer.from(input))).toBeUndefined(),
  );

  it('with realPaths: the real remote_dir and $HOME, symlinks followed', () => {
    const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-real-')));
    try {
      fs.symlinkSync(home, path.join(home, 'link'));
      const out = execFileSync('sh', ['-c', buildManifestScript('~/link', { realPaths: true })], { env: { PATH: process.env.PATH ?? '', HOME: home } });
      // $HOME itself: the guard's facts and no listing (a whole home takes long to list).
      expect(parseManifestOutput(out)).toMatchObject({ home, real: { dir: home, home }, state: 'G' });
      fs.mkdirSync(path.join(home, 'proj'));
      fs.symlinkSync(path.join(home, 'proj'), path.join(home, 'plink'));
      const proj = execFileSync('sh', ['-c', buildManifestScript('~/plink', { realPaths: true })], { env: { PATH: process.env.PATH ?? '', HOME: home } });
      expect(parseManifestOutput(proj)).toMatchObject({ home, real: { dir: path.join(home, 'proj'), home }, state: 'F' });
      const root = execFileSync('sh', ['-c', buildManifestScript('/', { realPaths: true })], { env: { PATH: process.env.PATH ?? '', HOME: home } });
      expect(parseManifestOutput(root)).toMatchObject({ real: { dir: '/', home }, state: 'G' });
      const plain = execFileSync('sh', ['-c', buildManifestScript('~/link')], { env: { PATH: process.env.PATH ?? '', HOME: home } });
      expect(parseManifestOutput(plain)?.real).toBeUndefined();
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('reports a missing directory and quotes it', () => {
    const out = execFileSync('sh', ['-c', buildManifestScript("/nonexistent/it's here")]);
    expect(parseManifestOutput(out)).toMatchObject({ state: 'M' });
  });
});

describe('floorSeconds', () => {
  it.each([
    ['1700000000.9999999999', 1700000000],
    ['1700000000', 1700000000],
    ['0.5', 0],
    ['-1.5', -2],
    ['-1.0000000000', -1],
    ['garbage', 0],
  ])('%s → %d', (input, expected) => expect(floorSeconds(input)).toBe(expected));
});

describe('remote path helpers', () => {
  it.each([
    ['~', '/home/u', '/home/u'],
    ['~/proj', '/home/u', '/home/u/proj'],
    ['~/a/../b/', '/home/u', '/home/u/b'],
    ['proj/x', '/home/u', '/home/u/proj/x'],
    ['/srv/p', '/home/u', '/srv/p'],
    ['/srv/p/', '/home/u', '/srv/p'],
  ])('resolveSftpPath(%j, %s) → %s', (p, home, expected) => expect(resolveSftpPath(p, home)).toBe(expected));

  it.each([
    ['~/proj', 'outputs/x', '~/proj/outputs/x'],
    ['~/proj', '/abs/file', '/abs/file'],
    ['~/proj', '~/other', '~/other'],
    ['/srv/p', 'a b/../c', '/srv/p/c'],
    ['/srv/p', '.', '/srv/p'],
  ])('resolveRemotePath(%j, %j) → %s', (dir, p, expected) => expect(resolveRemotePath(dir, p)).toBe(expected));
});
