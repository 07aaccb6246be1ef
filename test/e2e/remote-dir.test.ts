// remote_dir end to end: one meaning for sync (both engines), the run's working directory, --get and
// --jobs. Relative paths start at the remote home, as `~/…` does; odd but valid names (a leading
// `-`, spaces, quotes, `$`, unicode) work everywhere; names that cannot work are config errors with
// file:line. The "remote" is this machine: the login user's home is inspected directly.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, type RunResult } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

// sshd logs in as this user: relative remote_dirs land in its passwd home.
const HOME = os.userInfo().homedir;
const TAG = `mtr-e2e-rd-${process.pid}-${randomBytes(3).toString('hex')}`;

/** Where a remote_dir must end up on the server. */
function absoluteOf(remoteDir: string): string {
  if (remoteDir.startsWith('/')) return remoteDir;
  return path.join(HOME, remoteDir.startsWith('~/') ? remoteDir.slice(2) : remoteDir);
}

function expectOk(result: RunResult, stdout: string): void {
  expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout, stderr: expect.not.stringMatching(/error|invalid|cannot/i) });
}

describeE2E('remote_dir', (sshd) => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe.each(['rsync', 'sftp'] as const)('with %s', (engine) => {
    const cases: Array<[string, string]> = [
      ['relative: below the remote home, for sync and run alike', `${TAG}/${engine}/proj2`],
      ['relative with a leading dash, spaces, quotes, $ and unicode', `-${TAG}-${engine} it's "q" $HOME ü 日本`],
      ['~/ with a leading dash below it', `~/${TAG}/${engine}/-rf --delete`],
    ];
    it.each(cases)('%s', async (_title, remoteDir) => {
      const abs = absoluteOf(remoteDir);
      made.push(absoluteOf(remoteDir.split('/').slice(0, remoteDir.startsWith('~/') ? 2 : 1).join('/')));
      const p = makeProject({ sshd, files: { 'data.txt': 'v1\n', 'sub/s.txt': 's\n' }, servers: { test: { remote_dir: remoteDir, sync: engine } } });

      // Sync, then the command runs where the files went (from a project subfolder: the same
      // subfolder remotely).
      const run = await p.run(['sh', '-c', 'pwd; cat s.txt ../data.txt; echo made >result.txt'], { cwd: path.join(p.root, 'sub') });
      expectOk(run, `${path.join(abs, 'sub')}\ns\nv1\n`);
      expect(fs.readFileSync(path.join(abs, 'data.txt'), 'utf8')).toBe('v1\n');

      // --get reads relative paths from the same place.
      const get = await p.run(['--no-sync', '--get', 'sub/result.txt', '--to', 'fetched.txt']);
      expect({ code: get.code, stderr: get.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/^mtr: downloaded 1 file/) });
      expect(fs.readFileSync(path.join(p.root, 'fetched.txt'), 'utf8')).toBe('made\n');
    });
  });

  it('--jobs shows the folder the job ran in, anchored at the home', async () => {
    const remoteDir = `${TAG}/jobs/-x y`;
    made.push(absoluteOf(TAG));
    const p = makeProject({ sshd, servers: { test: { remote_dir: remoteDir } } });
    const name = `rd-${randomBytes(4).toString('hex')}`;
    expectOk(await p.run(['--name', name, 'true']), '');
    const jobs = await p.run(['--jobs', '--json']);
    expect(jobs.code).toBe(0);
    const job = (JSON.parse(jobs.stdout) as Array<{ name: string; cwd: string }>).find((j) => j.name === name);
    expect(job?.cwd).toBe(`~/${remoteDir}`);
  });

  describe('names that cannot work are config errors with file:line', () => {
    it.each([
      ['empty', ''],
      ['only spaces', '   '],
      ['a NUL byte', 'a\0b'],
      ['a newline', 'proj\nrm -rf x'],
      ['a carriage return', 'proj\r'],
      ['~user (not expanded)', '~bob/proj'],
      ['$HOME (not expanded)', '$HOME/proj'],
    ])('%s', async (_title, remoteDir) => {
      const p = makeProject({ sshd, servers: { test: { remote_dir: remoteDir, port: 1 } } });
      const result = await p.run(['--no-sync', 'true']);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^mtr: \.mtr\/config\.yaml:\d+: servers\.test\.remote_dir: expected /);
      expect(result.stderr).toMatch(/\n {2}fix: |got /);
      expect(result.stderr).not.toMatch(/internal error|^\s+at /m);
      expect(result.code).toBe(2);
    });
  });
});
