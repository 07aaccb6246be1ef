import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { buildDeletionScript, describeRefusal, encodeDeletionPaths } from '../../../src/sync/delete.js';
import { checkDeleteTarget, checkResolvedDeleteTarget, precheckDeleteTarget } from '../../../src/sync/sftp-plan.js';

describe('checkDeleteTarget', () => {
  it.each([
    ['', '/root', /empty/],
    ['   ', '/root', /empty/],
    ['/', '/root', /root directory/],
    ['//', '/root', /root directory/],
    ['~', '/root', /home directory/],
    ['~/', '/root', /home directory/],
    ['.', '/home/u', /home directory/],
    ['./', '/home/u', /home directory/],
    ['/root', '/root', /home directory/],
    ['/root/', '/root', /home directory/],
    ['/home', '/home/u', /parent of your home/],
    ['/home/', '/home/u', /parent of your home/],
    ['..', '/home/u', /parent of your home/],
    ['~/..', '/home/u', /parent of your home/],
    ['~/../..', '/home/u', /root directory/],
    ['/srv/../', '/srv/u', /root directory/],
    ['$HOME', '/root', /\$HOME/],
    ['${HOME}/x', '/root', /\$HOME/],
  ])('refuses %j (home %s)', (dir, home, message) => {
    const error = checkDeleteTarget(dir, home);
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toMatch(message);
    expect(error?.exitCode).toBe(2);
  });

  it.each([
    ['~/proj', '/root'],
    ['proj', '/home/u'],
    ['/srv/data/proj', '/home/u'],
    ['/home/u2', '/home/u'],
    ['/home/u/x/..', '/home/v'],
    ['/rootless', '/root'],
  ])('accepts %j (home %s)', (dir, home) => expect(checkDeleteTarget(dir, home)).toBeUndefined());
});

describe('encodeDeletionPaths', () => {
  it('prefixes ./ and ends every path with NUL', () => {
    expect(encodeDeletionPaths(['a', '-rf', 'x y/z\nw']).toString()).toBe('./a\0./-rf\0./x y/z\nw\0');
  });
  it.each([[''], ['/etc/passwd'], ['../x'], ['a/../../b'], ['a//b'], ['./a'], ['a/']])('refuses %j', (p) =>
    expect(() => encodeDeletionPaths([p])).toThrow(/unsafe/),
  );
});

describe('precheckDeleteTarget (before any remote listing)', () => {
  it.each([
    ['/', /the root directory/],
    ['//', /the root directory/],
    ['~', /your home directory/],
    ['~/', /your home directory/],
    ['', /empty/],
    ['$HOME', /\$HOME/],
    ['${HOME}/proj', /\$HOME/],
    ['/srv/..', /the root directory/],
    ['/./', /the root directory/],
    ['.', /your home directory/],
    ['./', /your home directory/],
    ['~/.', /your home directory/],
    ['a/..', /your home directory/],
    ['..', /a parent of your home directory$/],
    ['~/..', /a parent of your home directory$/],
    ['../../', /a parent of your home directory$/],
  ])('refuses %j', (dir, message) => {
    const error = precheckDeleteTarget(dir);
    expect(error?.message).toMatch(message);
    expect(error?.exitCode).toBe(2);
  });
  it.each(['~/proj', '/srv/proj', 'proj', '../sibling', '~/../other', '/home/u', '~x', '.hidden'])('leaves %j to the full check', (dir) => {
    expect(precheckDeleteTarget(dir)).toBeUndefined();
  });
});

describe('checkResolvedDeleteTarget (real paths from the server)', () => {
  it.each([
    ['~/link', '/home/u', '/home/u', /^refusing to delete remote files: remote_dir "~\/link" is your home directory once symlinks are followed \(it is \/home\/u on the server\)$/],
    ['/data/u', '/data/u', '/data/u', /your home directory once symlinks are followed/],
    ['~/up', '/data', '/data/u', /a parent of your home directory \(\/data\/u\) once symlinks are followed/],
    ['~/root', '/', '/home/u', /the root directory once symlinks are followed/],
  ])('refuses %j (real %s, home %s) like the guard: UsageError, exit 2', (dir, real, home, message) => {
    const error = checkResolvedDeleteTarget(dir, real, home);
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(message);
    expect(error?.hint).toBe(checkDeleteTarget('/', '/h')?.hint);
  });
  it.each([
    ['~/proj', '/home/u/proj', '/home/u'],
    ['/srv/p', '/srv/p', '/home/u'],
    ['/home/u2', '/home/u2', '/home/u'],
    ['~/p', '', '/home/u'],
    ['~/p', '/home/u/p', ''],
  ])('accepts %j (real %j, home %j)', (dir, real, home) => expect(checkResolvedDeleteTarget(dir, real, home)).toBeUndefined());
});

// The server-side re-check, run by a real shell: a remote_dir that is a symlink to $HOME is refused
// there with the guard's own message and exit code (it used to be a SyncError, exit 1).
describe('buildDeletionScript refusal, run by sh', () => {
  it('a remote_dir that is a symlink to $HOME → exit 97, nothing deleted, the guard\'s UsageError', () => {
    const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-del-home-')));
    try {
      fs.writeFileSync(path.join(home, 'keep.txt'), 'x');
      fs.symlinkSync(home, path.join(home, 'link'));
      const run = spawnSync('sh', ['-c', buildDeletionScript('~/link', 'rm -f --')], { env: { PATH: process.env.PATH ?? '', HOME: home }, input: encodeDeletionPaths(['keep.txt']) });
      expect(run.status).toBe(97);
      expect(fs.existsSync(path.join(home, 'keep.txt'))).toBe(true);
      const error = describeRefusal('~/link', run.stderr);
      expect(error).toBeInstanceOf(UsageError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`refusing to delete remote files: remote_dir "~/link" is your home directory once symlinks are followed (it is ${home} on the server)`);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('without the server\'s words, still the guard\'s refusal', () => {
    expect(describeRefusal('~/x', Buffer.alloc(0)).message).toMatch(/^refusing to delete remote files: remote_dir "~\/x" is the root directory, your home directory or a parent of it/);
  });
});
