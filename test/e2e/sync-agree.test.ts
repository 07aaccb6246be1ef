// The key guarantee of two engines: the same local project synced with rsync into one remote dir and
// with SFTP into another yields the same remote tree — path for path (files, symlinks, empty dirs),
// content, mode, whole-second mtime, link target — on a first sync and after a round of changes.
// One project, two servers (`-s rsync`, `-s sftp`) that differ only in engine and remote_dir.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';
import { T, snapshotTree, writeFile } from '../support/tree.js';



// Every kind of entry both engines must treat alike, plus what neither may send.
function buildFixture(root: string): void {
  let i = 0;
  const file = (rel: string, content: string | Buffer, mode = 0o644) => writeFile(root, rel, content, mode, T + 13 * i++);
  file('README.md', '# agree\n');
  file('empty-file', '');
  file('src/pkg/deep/er/mod.py', 'print(1)\n');
  file('dir with space/ünïcødé 日本 🚀.txt', 'unicode\n');
  file("odd/it's $HOME `x` \\ back.txt", 'quotes\n');
  file('odd/-rf', 'dash\n');
  file('odd/new\nline.txt', 'newline in the name\n');
  file('bin/run.sh', '#!/bin/sh\necho run\n', 0o755);
  file('bin/group-only', 'x\n', 0o750);
  file('ro/readonly.txt', 'read only\n', 0o444);
  file('private/secret.txt', 'secret\n', 0o600);
  file('data/blob.bin', randomBytes(2 * 1024 * 1024 + 17));
  file('data/zeros.bin', Buffer.alloc(100_000));
  file('keep.log', 'negated\n');
  file('.gitignore', '*.log\n!keep.log\nbuild/\n');
  file('src/.gitignore', '*.tmp\n');
  file('.mtrignore', 'scratch/\n');
  // Never sent.
  file('.git/HEAD', 'ref: refs/heads/main\n');
  file('src/pkg/.git', 'gitdir: x\n');
  file('train.log', 'ignored\n');
  file('build/out.o', 'ignored\n');
  file('src/cache.tmp', 'ignored\n');
  file('scratch/notes.txt', 'ignored\n');
  file('data/raw/huge.bin', 'excluded\n');
  file('weights/model.ckpt', 'excluded\n');
  fs.symlinkSync('src/pkg/deep/er/mod.py', path.join(root, 'link-to-mod'));
  fs.symlinkSync('../nowhere', path.join(root, 'bin/dangling'));
  fs.symlinkSync('src', path.join(root, 'srclink'));
  fs.symlinkSync('/etc/hostname', path.join(root, 'absolute-link'));
  fs.mkdirSync(path.join(root, 'empty'));
  fs.mkdirSync(path.join(root, 'nested/empty/dir'), { recursive: true });
  fs.chmodSync(path.join(root, 'private'), 0o700);
  fs.chmodSync(path.join(root, 'bin'), 0o750);
  fs.chmodSync(path.join(root, 'ro'), 0o555);
}



const SUMMARY = /^mtr: synced (\d+) of (\d+) files? \(([^)]*)\) via (\w+) in [\d.]+ m?s$/;

/** `synced X of Y files (B…)` without the engine and the time, or '' when nothing was reported. */
function summaryOf(result: RunResult): string {
  expect(result.code, result.stderr).toBe(0);
  if (result.stderr === '') return '';
  const match = SUMMARY.exec(result.stderr.trimEnd());
  expect(match, `one summary line expected, got: ${result.stderr}`).not.toBeNull();
  return `${match![1]} of ${match![2]} (${match![3]})`;
}

type Auth = 'key' | 'password';

function servers(sshd: SshdInfo, auth: Auth, base: string): Record<string, Record<string, unknown>> {
  const login = auth === 'key' ? {} : { user: sshd.password!.user, password: sshd.password!.password, key_filename: undefined };
  const common = { exclude: ['data/raw/', '*.ckpt'], ...login };
  return {
    rsync: { ...common, sync: 'rsync', remote_dir: path.join(base, 'A') },
    sftp: { ...common, sync: 'sftp', remote_dir: path.join(base, 'B') },
  };
}

describeE2E('rsync and SFTP agree', (sshd) => {
  const auths: Auth[] = sshd.password ? ['key', 'password'] : ['key'];

  describe.each(auths)('%s login', (auth) => {
    let p: Project;
    let base: string;
    const dirA = () => path.join(base, 'A');
    const dirB = () => path.join(base, 'B');
    const syncBoth = async (...flags: string[]) => {
      const a = await p.run(['-s', 'rsync', ...flags, 'true']);
      const b = await p.run(['-s', 'sftp', ...flags, 'true']);
      return { a, b };
    };

    beforeAll(() => {
      base = fs.mkdtempSync(path.join(sshd.remoteRoot, 'agree-'));
      fs.chmodSync(base, 0o777);
      p = makeProject({ sshd, servers: servers(sshd, auth, base) });
      buildFixture(p.root);
    });

    it('first sync: identical trees, identical summaries', async () => {
      const log = path.join(p.home, 'first-sftp.log');
      const { a, b } = await syncBoth('--log-file', log);
      // SFTP's new entries went as one tar stream (sftp/bundle.ts): that path agrees too.
      expect(fs.readFileSync(log, 'utf8')).toMatch(/sync: \d+ new entries as one tar stream/);
      const snapA = snapshotTree(dirA());
      expect(Object.keys(snapA)).toContain('nested/empty/dir');
      expect(Object.keys(snapA)).toContain('absolute-link');
      expect(Object.keys(snapA).some((rel) => /(^|\/)(\.git|train\.log|build|cache\.tmp|scratch|raw|model\.ckpt)$/.test(rel))).toBe(false);
      expect(snapshotTree(dirB())).toEqual(snapA);
      // Both match the local tree itself (ignored paths aside) — agreeing on a wrong tree is no comfort.
      const local = snapshotTree(p.root);
      for (const [rel, node] of Object.entries(snapA)) expect(node, rel).toEqual(local[rel]);
      // "synced X of Y files (bytes)": both engines count the same things.
      expect(summaryOf(b)).toBe(summaryOf(a));
    });

    it('no-change sync: neither sends anything', async () => {
      const { a, b } = await syncBoth();
      expect([summaryOf(a), summaryOf(b)]).toEqual(['', '']);
      expect(snapshotTree(dirB())).toEqual(snapshotTree(dirA()));
    });

    it('after changes (content, mode only, link target, file→dir, new, deleted, newly ignored) with --delete: still identical', async () => {
      const r = (rel: string) => path.join(p.root, rel);
      writeFile(p.root, 'README.md', '# AGREE\n', 0o644, T + 9999); // same size, new mtime
      fs.chmodSync(r('bin/run.sh'), 0o700);
      fs.chmodSync(r('empty'), 0o711);
      fs.unlinkSync(r('link-to-mod'));
      fs.symlinkSync('README.md', r('link-to-mod'));
      fs.unlinkSync(r('empty-file'));
      writeFile(p.root, 'empty-file/now-a-dir.txt', 'file became a directory\n');
      writeFile(p.root, 'new/deeper/file.txt', 'new\n', 0o640, T + 777);
      fs.mkdirSync(r('new/empty'));
      fs.rmSync(r('odd/-rf'));
      fs.rmSync(r('nested'), { recursive: true });
      // keep.log was sent; once ignored again, --delete must leave the remote copy alone.
      writeFile(p.root, '.gitignore', '*.log\nbuild/\n', 0o644, T + 4242);
      fs.rmSync(r('keep.log'));

      const { a, b } = await syncBoth('--delete');
      const snapA = snapshotTree(dirA());
      expect(snapshotTree(dirB())).toEqual(snapA);
      expect(snapA['keep.log']?.type).toBe('file');
      expect(snapA['empty-file']).toMatchObject({ type: 'dir' });
      expect(snapA['odd/-rf']).toBeUndefined();
      expect(snapA.nested).toBeUndefined();
      expect(snapA['link-to-mod']).toEqual({ type: 'symlink', target: 'README.md' });
      expect(snapA['bin/run.sh']?.mode).toBe('700');
      expect(snapA['README.md']).toMatchObject({ mtime: T + 9999, size: 8 });
      expect(summaryOf(b)).toBe(summaryOf(a));
    });
  });
});
