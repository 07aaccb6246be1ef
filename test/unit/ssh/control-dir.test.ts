import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_START_MS, releaseStartLock, startLockPath, tryStartLock } from '../../../src/ssh/control-dir.js';

describe('the master start lock', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-start-lock-'));
    lock = startLockPath(path.join(dir, 'abc.sock'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sits beside the socket', () => expect(lock).toBe(path.join(dir, 'abc.starting')));

  it('is taken once: a second start while the first runs gets false', () => {
    expect(tryStartLock(lock)).toBe(true);
    expect(fs.statSync(lock).mode & 0o777).toBe(0o600);
    expect(tryStartLock(lock)).toBe(false);
    releaseStartLock(lock);
    expect(tryStartLock(lock)).toBe(true);
  });

  it('is taken over when left by a start that was killed (older than any start takes)', () => {
    expect(tryStartLock(lock)).toBe(true);
    const now = Date.now();
    expect(tryStartLock(lock, now + MAX_START_MS - 1_000)).toBe(false);
    expect(tryStartLock(lock, now + MAX_START_MS + 1_000)).toBe(true);
  });

  it('says no (never throws) where it cannot write', () => {
    expect(tryStartLock(path.join(dir, 'missing', 'abc.starting'))).toBe(false);
  });
});
