import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { buildDeletionScript, describeRefusal, encodeDeletionPaths } from '../../../../src/sync/remote/delete.js';

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
});
