import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRacy, lastSyncEnded, nextSyncRecord, noteWatchWrites, readFileSystemClock, readSyncRecord, syncRecordName, writeSyncRecord } from '../../../src/sync/sync-record.js';

const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function project(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-record-'));
  temps.push(root);
  fs.mkdirSync(path.join(root, '.mtr'));
  return root;
}

const target = { user: 'u', host: 'gpu', port: 22 };

describe('syncRecordName', () => {
  it('one record per login, host, port and remote_dir', () => {
    const names = new Set([
      syncRecordName(target, '~/p'),
      syncRecordName({ ...target, user: 'v' }, '~/p'),
      syncRecordName({ ...target, host: 'gpu2' }, '~/p'),
      syncRecordName({ ...target, port: 2222 }, '~/p'),
      syncRecordName(target, '~/q'),
    ]);
    expect(names.size).toBe(5);
    expect(syncRecordName(target, '~/p')).toBe(syncRecordName({ ...target }, '~/p'));
    expect(syncRecordName(target, '~/p')).toMatch(/^[0-9a-f]{24}\.json$/);
  });
});

describe('nextSyncRecord', () => {
  it.each([
    ['no record yet', 1000, undefined, 1000],
    ['the previous sync\'s record (written before this one began)', 1000, { startedMs: 500, writtenMs: 900 }, 1000],
    ['one written while this sync ran, begun earlier: the earlier start stays', 1000, { startedMs: 800, writtenMs: 1100 }, 800],
    ['one written while this sync ran, begun later: this start', 1000, { startedMs: 1050, writtenMs: 1100 }, 1000],
  ])('%s', (_name, startedMs, existing, expected) => {
    expect(nextSyncRecord({ startedMs }, existing)).toEqual({ startedMs: expected });
  });

});

describe('nextSyncRecord: rsync nanoseconds', () => {
  it("keeps what is known about the target; a new finding wins", () => {
    expect(nextSyncRecord({ startedMs: 1 }, { startedMs: 0, writtenMs: 0, rsyncNs: false })).toEqual({ startedMs: 1, rsyncNs: false });
    expect(nextSyncRecord({ startedMs: 1, rsyncNs: true }, { startedMs: 0, writtenMs: 0, rsyncNs: false })).toEqual({ startedMs: 1, rsyncNs: true });
    expect(nextSyncRecord({ startedMs: 1 }, undefined)).toEqual({ startedMs: 1 });
  });
});

describe('nextSyncRecord: the end and watch mode', () => {
  it('keeps the later end; a watcher\'s note survives only a sync it overlapped', () => {
    expect(nextSyncRecord({ startedMs: 10, endedMs: 20 }, { startedMs: 0, endedMs: 5, writtenMs: 5 })).toEqual({ startedMs: 10, endedMs: 20 });
    expect(nextSyncRecord({ startedMs: 10, endedMs: 20 }, { startedMs: 0, endedMs: 5, writtenMs: 5, watchWrote: true })).toEqual({ startedMs: 10, endedMs: 20 });
    expect(nextSyncRecord({ startedMs: 10, endedMs: 20 }, { startedMs: 0, endedMs: 5, writtenMs: 15, watchWrote: true })).toEqual({ startedMs: 0, endedMs: 20, watchWrote: true });
  });

  it('lastSyncEnded: as recorded, else when the record was written', () => {
    expect(lastSyncEnded({ startedMs: 1, endedMs: 7, writtenMs: 9 })).toBe(7);
    expect(lastSyncEnded({ startedMs: 1, writtenMs: 9 })).toBe(9);
    expect(lastSyncEnded(undefined)).toBeUndefined();
  });

  it('noteWatchWrites: once, and only where a record exists', () => {
    const root = project();
    const name = syncRecordName(target, '~/p');
    expect(noteWatchWrites(root, name)).toBe(false);
    writeSyncRecord(root, name, { startedMs: 1, endedMs: 2 });
    expect(noteWatchWrites(root, name)).toBe(true);
    expect(noteWatchWrites(root, name)).toBe(false);
    expect(readSyncRecord(root, name)).toMatchObject({ startedMs: 1, endedMs: 2, watchWrote: true });
  });
});

describe('the record on disk', () => {
  it('is read back as written, under .mtr/sync-state/, private', () => {
    const root = project();
    const name = syncRecordName(target, '~/p');
    expect(readSyncRecord(root, name)).toBeUndefined();
    expect(writeSyncRecord(root, name, { startedMs: 1_700_000_000_123.25 })).toBe(true);
    expect(readSyncRecord(root, name)).toMatchObject({ startedMs: 1_700_000_000_123.25 });
    const file = path.join(root, '.mtr', 'sync-state', name);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    // Nothing else is left there (no temp files) but a .gitignore that hides it all, nor a clock probe in .mtr/.
    readFileSystemClock(root);
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['.gitignore', name]);
    expect(fs.readdirSync(path.join(root, '.mtr')).sort()).toEqual(['sync-state']);
    expect(fs.readFileSync(path.join(path.dirname(file), '.gitignore'), 'utf8')).toBe('*\n');
  });

  it('a damaged record counts as none', () => {
    const root = project();
    const name = syncRecordName(target, '~/p');
    fs.mkdirSync(path.join(root, '.mtr', 'sync-state'));
    for (const text of ['', 'garbage', '{"startedMs":"soon"}', '{"startedMs":null}']) {
      fs.writeFileSync(path.join(root, '.mtr', 'sync-state', name), text);
      expect(readSyncRecord(root, name), text).toBeUndefined();
    }
  });

  it('a state folder that cannot be made: no record, no error', () => {
    const root = project();
    fs.writeFileSync(path.join(root, '.mtr', 'sync-state'), 'a file where the folder would go');
    expect(writeSyncRecord(root, syncRecordName(target, '~/p'), { startedMs: 1 })).toBe(false);
    expect(readSyncRecord(root, syncRecordName(target, '~/p'))).toBeUndefined();
  });

  it('no .mtr/ to write in: no clock', () => {
    const root = project();
    fs.rmSync(path.join(root, '.mtr'), { recursive: true });
    expect(readFileSystemClock(root)).toBeUndefined();
  });
});

describe('readFileSystemClock', () => {
  it('is the time the file system stamps: a file written afterwards is never older', () => {
    const root = project();
    for (let i = 0; i < 20; i++) {
      const clock = readFileSystemClock(root);
      fs.writeFileSync(path.join(root, 'edit.txt'), `edit ${i}`);
      expect(clock).toBeDefined();
      expect(fs.statSync(path.join(root, 'edit.txt')).mtimeMs).toBeGreaterThanOrEqual(clock!);
    }
  });
});

describe('isRacy', () => {
  const T = 1_700_000_000;
  const since = T * 1000 + 400;
  it.each([
    ['changed after the last sync began (same second)', { mtime: T, mtimeMs: T * 1000 + 700 }, since, true],
    ['changed exactly when it began', { mtime: T, mtimeMs: since }, since, true],
    ['changed before it began, same second', { mtime: T, mtimeMs: T * 1000 + 100 }, since, false],
    ['no record: nothing is doubtful', { mtime: T, mtimeMs: T * 1000 + 999 }, undefined, false],
    ['exact mtime unknown: the whole second is doubtful', { mtime: T }, since, true],
    ['exact mtime unknown, an older second', { mtime: T - 1 }, since, false],
  ] as const)('%s', (_name, entry, changedSinceMs, expected) => expect(isRacy(entry, changedSinceMs)).toBe(expected));
});
