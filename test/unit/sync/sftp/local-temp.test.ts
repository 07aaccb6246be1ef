import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localTempName, ownerGone, parseLocalTempName, removeLeftovers } from '../../../../src/sync/sftp/local-temp.js';

describe('local temp names', () => {
  it.each([
    ['m.json', 0x1234, 'abcdef01', '.m.json.mtr-tmp-00001234abcdef01'],
    ['x'.repeat(240), 7, '00000000', '.mtr-tmp-0000000700000000'],
  ])('localTempName(%s, %d) → %s, and back', (name, pid, random, expected) => {
    const temp = localTempName(name, pid, random);
    expect(temp).toBe(expected);
    expect(parseLocalTempName(temp)).toEqual({ of: name.length > 200 ? undefined : name, pid });
  });

  it.each([
    ['.m.json.mtr-tmp-59f0ee22a985', { of: 'm.json', pid: undefined }], // written before owners were recorded
    ['.mtr-tmp-1a2b', { of: undefined, pid: undefined }],
    ['m.json', undefined],
    ['.m.json.mtr-tmp-', undefined],
    ['.m.json.mtr-tmp-xyz', undefined],
    ['m.json.mtr-tmp-00001234abcdef01', undefined],
  ])('parseLocalTempName(%j) → %j', (name, expected) => expect(parseLocalTempName(name)).toEqual(expected));

  it.each([
    [undefined, true],
    [0, true],
    [41, false],
    [42, true],
  ])('ownerGone(%s) with only pid 41 alive → %s', (pid, gone) => expect(ownerGone(pid, (p) => p === 41)).toBe(gone));
});

describe('removeLeftovers', () => {
  it("removes a dead owner's temp files (only those of `only` when given), keeps live owners' and every other name", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-leftovers-'));
    try {
      const dead = 0x7ffffff0; // above any pid_max: never a live process
      const names = {
        deadOfA: localTempName('a.txt', dead, '00000001'),
        deadOfB: localTempName('b.txt', dead, '00000002'),
        liveOfA: localTempName('a.txt', process.pid, '00000003'),
        legacyOfA: '.a.txt.mtr-tmp-59f0ee22a985',
        plain: 'a.txt',
        lookalike: 'a.txt.mtr-tmp-00000001',
      };
      for (const name of Object.values(names)) fs.writeFileSync(path.join(dir, name), 'x');
      fs.symlinkSync('/nonexistent-target', path.join(dir, localTempName('c.txt', dead, '00000004')));

      expect(await removeLeftovers(dir, 'a.txt')).toBe(2);
      expect(fs.readdirSync(dir).sort()).toEqual(
        [names.deadOfB, names.liveOfA, names.plain, names.lookalike, localTempName('c.txt', dead, '00000004')].sort(),
      );
      expect(await removeLeftovers(dir)).toBe(2);
      expect(fs.readdirSync(dir).sort()).toEqual([names.liveOfA, names.plain, names.lookalike].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
