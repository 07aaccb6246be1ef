import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, runtimeDirPath } from '../../../src/util/private-dir.js';

describe('runtimeDirPath', () => {
  it.each([
    [{ XDG_RUNTIME_DIR: '/run/user/1000' }, '/tmp', 1000, '/run/user/1000/mtr'],
    [{}, '/tmp', 1000, '/tmp/mtr-1000'],
  ])('%j → %s', (env, tmp, uid, expected) => expect(runtimeDirPath(env, tmp, uid)).toBe(expected));
});

describe('ensurePrivateDir', () => {
  let root: string | undefined;
  afterEach(() => root && fs.rmSync(root, { recursive: true, force: true }));
  const uid = process.getuid?.() ?? 0;

  it('makes the folder 0700, and tightens one others could read', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-private-'));
    const dir = path.join(root, 'a', 'mtr');
    expect(ensurePrivateDir(dir, uid)).toBe(true);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    fs.chmodSync(dir, 0o755);
    expect(ensurePrivateDir(dir, uid)).toBe(true);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlink, a file, and a folder of another user', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-private-'));
    fs.mkdirSync(path.join(root, 'real'));
    fs.symlinkSync(path.join(root, 'real'), path.join(root, 'link'));
    fs.writeFileSync(path.join(root, 'file'), '');
    expect(ensurePrivateDir(path.join(root, 'link'), uid)).toBe(false);
    expect(ensurePrivateDir(path.join(root, 'file'), uid)).toBe(false);
    expect(ensurePrivateDir(path.join(root, 'real'), uid + 1)).toBe(false);
  });
});
