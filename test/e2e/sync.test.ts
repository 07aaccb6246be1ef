// The sync before a run, end to end: the built `mtr` against the real test sshd, for both engines
// (runs pass -v: the summary line they read is printed in batch mode only when asked for)
// (rsync, SFTP) and both logins (key, password). What arrives, what never does, what is not rewritten,
// what survives, what --delete may and may not remove, the engine choice of `sync: auto`, and the
// errors a user meets. The "remote" is this machine, so remote files are inspected with fs directly.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/ui/progress.js';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { processTable } from '../support/processes.js';
import { sleep } from '../support/eventually.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';
import { startSshdWithout, stopSshdWithout, type ReducedSshd } from '../support/sshd-without.js';
import { T, fileStamps, passCtimeTick, snapshotTree, writeFile, type TreeNode } from '../support/tree.js';

type Engine = 'rsync' | 'sftp';
type Auth = 'key' | 'password';

const EXCLUDE = ['data/raw/', '*.ckpt'];

// ---------------------------------------------------------------------------------------------------
// Fixture: a project tree with every kind of entry, plus everything that must stay home.

interface FileSpec {
  content: string | Buffer;
  mode?: number;
}

const BLOB = randomBytes(300_000);

/** Regular files that must arrive (path → content, mode). */
const SENT_FILES: Record<string, FileSpec> = {
  'README.md': { content: 'readme v1\n' },
  'src/pkg/__init__.py': { content: '' },
  'src/pkg/deep/mod.py': { content: 'print("deep")\n' },
  'src/pkg/keep.tmp': { content: 'a deeper .gitignore re-includes me\n' },
  'dir with space/ünïcødé 日本 🚀.txt': { content: 'unicode\n' },
  "odd/it's $HOME `x`.txt": { content: 'quotes\n' },
  'odd/-rf': { content: 'leading dash\n' },
  'bin/run.sh': { content: '#!/bin/sh\necho run\n', mode: 0o755 },
  'private/key.txt': { content: 'secret-ish\n', mode: 0o600 },
  'keep.log': { content: 'negated back in\n' },
  'top.tmp': { content: 'src/.gitignore does not reach me\n' },
  'local-only.txt': { content: 'only src/local-only.txt is anchored\n' },
  'data/small.csv': { content: 'a,b\n1,2\n' },
  'data/blob.bin': { content: BLOB },
  'data/medium.bin': { content: Buffer.alloc(70_000, 1) },
  'data/mid.bin': { content: Buffer.alloc(50_000, 2) },
  'data/smaller.bin': { content: Buffer.alloc(20_000, 3) },
  'data/tiny.bin': { content: Buffer.alloc(10_000, 4) },
  '.gitignore': { content: '*.log\n!keep.log\nbuild/\n' },
  'src/.gitignore': { content: '*.tmp\n/local-only.txt\n' },
  'src/pkg/.gitignore': { content: '!keep.tmp\n' },
  '.mtrignore': { content: 'scratch/\n' },
};

/** Files that must never reach the server, and why. */
const IGNORED_FILES: Record<string, string> = {
  '.git/HEAD': 'ref: refs/heads/main\n',
  '.git/config': '[core]\n',
  '.git/objects/ab/cdef': 'object',
  'src/pkg/.git': 'gitdir: ../../.git/modules/pkg\n',
  'data/raw/huge.bin': 'exclude: data/raw/',
  'weights/model.ckpt': 'exclude: *.ckpt',
  'scratch/notes.txt': '.mtrignore',
  'train.log': '.gitignore *.log',
  'build/out.o': '.gitignore build/',
  'build/sub/keep.log': 'under an ignored dir: a negation cannot bring it back',
  'src/cache.tmp': 'src/.gitignore *.tmp',
  'src/local-only.txt': 'src/.gitignore /local-only.txt',
};

/** Top-level ignored paths the walk meets (the dry run's "N paths excluded"). */
const IGNORED_ROOTS = ['.git', 'src/pkg/.git', 'data/raw', 'weights/model.ckpt', 'scratch', 'train.log', 'build', 'src/cache.tmp', 'src/local-only.txt'];

const SYMLINKS: Record<string, string> = {
  'link-to-mod': 'src/pkg/deep/mod.py',
  'bin/dangling': '../nowhere/at/all',
  srclink: 'src',
};

const EMPTY_DIRS = ['empty', 'nested/empty/dir', 'weights'];


/** A file "made on the server": owned by whoever owns remote_dir (the login user), dirs included. */
function writeRemoteFile(remoteDir: string, rel: string, content: string): void {
  const { uid, gid } = fs.statSync(remoteDir);
  writeFile(remoteDir, rel, content);
  for (let p = rel; p !== '.'; p = path.dirname(p)) fs.lchownSync(path.join(remoteDir, p), uid, gid);
}

function buildFixture(root: string): void {
  Object.entries(SENT_FILES).forEach(([rel, spec], i) => writeFile(root, rel, spec.content, spec.mode, T + i * 17));
  for (const [rel, content] of Object.entries(IGNORED_FILES)) writeFile(root, rel, content);
  for (const [rel, target] of Object.entries(SYMLINKS)) fs.symlinkSync(target, path.join(root, rel));
  for (const dir of EMPTY_DIRS) fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.chmodSync(path.join(root, 'private'), 0o700);
}

// ---------------------------------------------------------------------------------------------------
// Snapshots: one comparable record per path (files: content hash, size, mode, whole-second mtime;
// dirs: mode; symlinks: target). `.mtr/` is mtr's own folder and left out of comparisons.



const isUnder = (p: string, roots: readonly string[]) => roots.some((r) => p === r || p.startsWith(`${r}/`));

/** What the remote must hold after a sync of `root`: the local snapshot minus everything ignored. */
function expectedRemote(root: string): Record<string, TreeNode> {
  return Object.fromEntries(Object.entries(snapshotTree(root, ['.mtr'])).filter(([p]) => !isUnder(p, IGNORED_ROOTS)));
}

/** ctime of every remote entry: a rewrite, chmod or utime of any of them changes it. */
// ---------------------------------------------------------------------------------------------------
// Output helpers.

interface Summary {
  sent: number;
  total: number;
  detail: string;
  engine: string;
}

const SUMMARY = /^mtr: synced (\d+) of (\d+) files? \(([^)]*)\) via (\w+) in [\d.]+ m?s$/;

/** The stderr lines mtr wrote, without the final newline. */
const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** stderr must be exactly one summary line; returns it parsed. */
function onlySummary(result: RunResult): Summary {
  const all = lines(result.stderr);
  expect(all, `stderr: ${result.stderr}`).toHaveLength(1);
  const match = SUMMARY.exec(all[0] ?? '');
  expect(match, `not a summary line: ${all[0]}`).not.toBeNull();
  return { sent: Number(match![1]), total: Number(match![2]), detail: match![3]!, engine: match![4]! };
}

/** No summary at all, or one that says nothing was sent. */
function expectNothingSent(result: RunResult): void {
  if (result.stderr === '') return;
  expect(onlySummary(result).sent).toBe(0);
}

function expectOk(result: RunResult, stdout: string): void {
  expect({ code: result.code, stdout: result.stdout }, `stderr: ${result.stderr}`).toEqual({ code: 0, stdout });
}

/** One `mtr: …` message line, a `  fix: …` line, nothing else but indented detail; no stack trace. */
function expectOneClearMessage(stderr: string): void {
  const all = lines(stderr);
  expect(all.filter((line) => line.startsWith('mtr: ')), stderr).toHaveLength(1);
  expect(all[0]).toMatch(/^mtr: /);
  expect(all.filter((line) => line.startsWith('  fix: ')), stderr).toHaveLength(1);
  expect(all.every((line) => /^(mtr: |  fix: |    )/.test(line)), stderr).toBe(true);
  expect(stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  expect(stderr).not.toMatch(/internal error|please report/i);
}

// ---------------------------------------------------------------------------------------------------

function serverFor(sshd: SshdInfo, engine: Engine, auth: Auth, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const login = auth === 'key' ? {} : { user: sshd.password!.user, password: sshd.password!.password, key_filename: undefined };
  return { sync: engine, exclude: EXCLUDE, ...login, ...extra };
}

function mtrpassHome(user: string): string {
  return execFileSync('sh', ['-c', `getent passwd ${user} | cut -d: -f6`], { encoding: 'utf8' }).trim();
}

describeE2E('sync', (sshd) => {
  const passwordSkip = sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`;
  const combos: [Engine, Auth][] = [
    ['rsync', 'key'],
    ['sftp', 'key'],
    ['rsync', 'password'],
    ['sftp', 'password'],
  ];

  describe.each(combos)('sync: %s, %s login', (engine, auth) => {
    const skip = auth === 'password' && !sshd.password;
    // The steps build on each other (first sync, no-op, change, quiet, delete): one project for all.
    let p: Project;
    const remote = (rel = '') => path.join(p.remoteDir, rel);
    const fileCount = Object.keys(SENT_FILES).length;

    beforeAll(() => {
      if (skip) return;
      p = makeProject({ sshd, servers: { test: serverFor(sshd, engine, auth) } });
      buildFixture(p.root);
    });

    it.skipIf(skip)(`first sync: the tree arrives exactly, nothing ignored does; stdout is the command's only${passwordSkip}`, async () => {
      const result = await p.run(['-v', 'echo', 'ran after sync']);
      expectOk(result, 'ran after sync\n');
      const summary = onlySummary(result);
      expect(summary.engine).toBe(engine);
      // A fresh sync sends every file; "N of M" never says more were sent than exist.
      expect(summary.sent).toBe(summary.total);
      // Regular files (both engines count them alike), never .mtr/ (it may hold a password).
      expect(summary.total).toBe(fileCount);

      expect(snapshotTree(remote())).toEqual(expectedRemote(p.root));
      for (const rel of [...Object.keys(IGNORED_FILES), ...IGNORED_ROOTS]) expect(fs.existsSync(remote(rel)), rel).toBe(false);
      expect(fs.statSync(remote('bin/run.sh')).mode & 0o777).toBe(0o755);
      expect(fs.statSync(remote('private')).mode & 0o777).toBe(0o700);
      expect(fs.readlinkSync(remote('srclink'))).toBe('src');
      expect(fs.readdirSync(remote('empty'))).toEqual([]);
      if (auth === 'password') expect(fs.statSync(remote('README.md')).uid).not.toBe(0);
      // No temp files left behind by either engine.
      const temps = (fs.readdirSync(remote(), { recursive: true }) as string[]).filter((n) => /mtr-tmp|^\..+\.[A-Za-z0-9]{6}$/.test(path.basename(n)));
      expect(temps).toEqual([]);
    });

    it.skipIf(skip)('second sync with no change rewrites nothing (inodes and ctimes unchanged) and reports nothing sent', async () => {
      const before = fileStamps(remote());
      await passCtimeTick(path.dirname(remote())); // a rewrite would now show a different ctime
      const result = await p.run(['-v', 'echo', 'again']);
      expectOk(result, 'again\n');
      expectNothingSent(result);
      expect(fileStamps(remote())).toEqual(before);
    });

    it.skipIf(skip)('a changed file is sent again, alone; remote-only files survive', async () => {
      writeRemoteFile(remote(), 'checkpoints/x.pt', 'weights from the server\n');
      writeRemoteFile(remote(), 'outputs/run1/log.txt', 'server log\n');
      const before = fileStamps(remote());
      await passCtimeTick(path.dirname(remote()));
      writeFile(p.root, 'README.md', 'readme v2 — longer now\n', 0o644, T + 5000);
      const result = await p.run(['-v', 'cat', 'README.md']);
      expectOk(result, 'readme v2 — longer now\n');
      const summary = onlySummary(result);
      expect(summary.sent).toBe(1);
      expect(summary.detail).toBe(formatBytes(Buffer.byteLength('readme v2 — longer now\n')));

      expect(fs.readFileSync(remote('checkpoints/x.pt'), 'utf8')).toBe('weights from the server\n');
      expect(fs.readFileSync(remote('outputs/run1/log.txt'), 'utf8')).toBe('server log\n');
      expect(Math.floor(fs.statSync(remote('README.md')).mtimeMs / 1000)).toBe(T + 5000);
      const after = fileStamps(remote());
      const rewritten = Object.keys(after).filter((rel) => after[rel] !== before[rel] && fs.lstatSync(remote(rel)).isFile());
      expect(rewritten).toEqual(['README.md']);
      expect(snapshotTree(remote())).toMatchObject(expectedRemote(p.root));
    });

    it.skipIf(skip)('a mode-only change reaches the server', async () => {
      fs.chmodSync(path.join(p.root, 'data/small.csv'), 0o640);
      const result = await p.run(['-q', 'true']);
      expectOk(result, '');
      expect(fs.statSync(remote('data/small.csv')).mode & 0o777).toBe(0o640);
    });

    it.skipIf(skip)('-q: still syncs, but no summary line', async () => {
      writeFile(p.root, 'src/pkg/deep/mod.py', 'print("quiet")\n', 0o644, T + 6000);
      const result = await p.run(['-q', 'echo', 'quiet']);
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'quiet\n', stderr: '' });
      expect(fs.readFileSync(remote('src/pkg/deep/mod.py'), 'utf8')).toBe('print("quiet")\n');
    });

    it.skipIf(skip)('without --delete a locally deleted file stays on the server', async () => {
      fs.rmSync(path.join(p.root, 'odd/-rf'));
      const result = await p.run(['-v', 'true']);
      expectOk(result, '');
      expectNothingSent(result);
      expect(fs.existsSync(remote('odd/-rf'))).toBe(true);
    });

    it.skipIf(skip)('--delete removes what was deleted locally, never an excluded or ignored remote path', async () => {
      const protectedPaths = ['data/raw/remote.bin', 'weights/remote.ckpt', 'scratch/remote.txt', 'server.log', 'build/remote.o', 'src/remote.tmp', '.git/remote-only'];
      for (const rel of protectedPaths) writeRemoteFile(remote(), rel, `remote ${rel}\n`);
      fs.rmSync(path.join(p.root, 'data/tiny.bin'));
      fs.rmSync(path.join(p.root, 'nested'), { recursive: true });
      const result = await p.run(['-v', '--delete', 'echo', 'deleted']);
      expectOk(result, 'deleted\n');
      expect(onlySummary(result).detail).toMatch(/deleted \d+/);

      for (const rel of protectedPaths) expect(fs.readFileSync(remote(rel), 'utf8'), rel).toBe(`remote ${rel}\n`);
      for (const gone of ['odd/-rf', 'data/tiny.bin', 'nested', 'checkpoints', 'outputs']) expect(fs.existsSync(remote(gone)), gone).toBe(false);
      const protectedRoots = ['data/raw', 'weights/remote.ckpt', 'scratch', 'server.log', 'build', 'src/remote.tmp', '.git'];
      const remaining = Object.fromEntries(Object.entries(snapshotTree(remote())).filter(([rel]) => !isUnder(rel, protectedRoots)));
      expect(remaining).toEqual(expectedRemote(p.root));
    });
  });

  describe('respect_gitignore: false', () => {
    it.each<Engine>(['rsync', 'sftp'])('%s: gitignored files are sent; .git/, exclude and .mtrignore still are not', async (engine) => {
      const p = makeProject({ sshd, servers: { test: { sync: engine, exclude: EXCLUDE, respect_gitignore: false } } });
      buildFixture(p.root);
      const result = await p.run(['-q', 'true']);
      expectOk(result, '');
      const remote = (rel: string) => path.join(p.remoteDir, rel);
      for (const rel of ['train.log', 'build/out.o', 'build/sub/keep.log', 'src/cache.tmp', 'src/local-only.txt', 'keep.log']) {
        expect(fs.existsSync(remote(rel)), rel).toBe(true);
      }
      for (const rel of ['.git', 'src/pkg/.git', 'data/raw', 'weights/model.ckpt', 'scratch']) expect(fs.existsSync(remote(rel)), rel).toBe(false);
    });
  });

  describe('--delete refuses dangerous remote_dirs (exit 2, nothing changed)', () => {
    const home = os.userInfo().homedir;
    const rows: [string, string, Engine, boolean][] = [
      ['/', '--delete', 'rsync', false],
      ['/', '--delete', 'sftp', false],
      ['~', '--delete', 'rsync', false],
      ['~', '--delete', 'sftp', false],
      ['~/', 'delete: true', 'rsync', true],
      [home, 'delete: true', 'sftp', true],
      [home, '--delete', 'rsync', false],
    ];
    it.each(rows)('remote_dir %j with %s (%s)', async (remoteDir, _how, engine, inConfig) => {
      const marker = `mtr-delete-guard-${process.pid}-${randomBytes(4).toString('hex')}.txt`;
      const places = ['/', home].map((dir) => path.join(dir, marker));
      const p = makeProject({ sshd, servers: { test: { sync: engine, remote_dir: remoteDir, ...(inConfig ? { delete: true } : {}) } }, files: { [marker]: 'x' } });
      try {
        const result = await p.run([...(inConfig ? [] : ['--delete']), 'echo', 'SHOULD-NOT-RUN']);
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/^mtr: refusing to delete remote files: remote_dir .* is (the root directory|your home directory)/);
        expectOneClearMessage(result.stderr);
        for (const place of places) expect(fs.existsSync(place), place).toBe(false);
      } finally {
        for (const place of places) fs.rmSync(place, { force: true });
      }
    });

    // A remote_dir that is a symlink to the remote home passes the check on its name; the server's
    // real paths catch it before anything is sent, with the same message and exit code.
    it.each<Engine>(['rsync', 'sftp'])('remote_dir that is a symlink to the home directory (%s): exit 2, nothing sent', async (engine) => {
      const link = path.join(sshd.remoteRoot, `home-link-${randomBytes(4).toString('hex')}`);
      fs.symlinkSync(home, link);
      const marker = `mtr-delete-guard-${process.pid}-${randomBytes(4).toString('hex')}.txt`;
      const p = makeProject({ sshd, servers: { test: { sync: engine, remote_dir: link } }, files: { [marker]: 'x' } });
      try {
        const result = await p.run(['--delete', 'echo', 'SHOULD-NOT-RUN']);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/^mtr: refusing to delete remote files: remote_dir ".*" is your home directory once symlinks are followed \(it is .* on the server\)\n {2}fix: /);
        expectOneClearMessage(result.stderr);
        expect(fs.existsSync(path.join(home, marker))).toBe(false);
      } finally {
        fs.rmSync(path.join(home, marker), { force: true });
        fs.rmSync(link, { force: true });
      }
    });

    it('refuses `/` with the sftp engine too, before listing anything', async () => {
      // The refusal needs no listing of `/` (precheckDeleteTarget, unit-tested): it says so at once.
      const p = makeProject({ sshd, servers: { test: { sync: 'sftp', remote_dir: '/' } }, files: { 'a.txt': 'x' } });
      const result = await p.run(['-v', '--delete', 'true']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/refusing to delete remote files: remote_dir "\/" is the root directory/);
    });

    it('an empty remote_dir never gets as far as a sync (exit 2)', async () => {
      const p = makeProject({ sshd, servers: { test: { remote_dir: '', delete: true } } });
      const result = await p.run(['-v', 'echo', 'SHOULD-NOT-RUN']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/remote_dir/);
    });
  });

  describe('sync: auto', () => {
    it('rsync on both ends → rsync, no notice', async () => {
      const p = makeProject({ sshd, servers: { test: { sync: 'auto' } }, files: { 'a.txt': 'auto\n' } });
      const result = await p.run(['-v', 'cat', 'a.txt']);
      expectOk(result, 'auto\n');
      expect(onlySummary(result).engine).toBe('rsync');
    });

    it('no local rsync → SFTP with exactly one notice line, and the project still arrives', async () => {
      const p = makeProject({ sshd, servers: { test: { sync: 'auto', exclude: EXCLUDE } } });
      buildFixture(p.root);
      const result = await p.run(['-v', 'echo', 'fallback'], { env: { PATH: pathWithout('rsync') } });
      expectOk(result, 'fallback\n');
      const all = lines(result.stderr);
      expect(all.filter((line) => /rsync/.test(line) && !SUMMARY.test(line))).toEqual(['mtr: rsync is not installed here; syncing with SFTP']);
      expect(all).toHaveLength(2);
      expect(SUMMARY.exec(all[1] ?? '')?.[4]).toBe('sftp');
      expect(snapshotTree(p.remoteDir)).toEqual(expectedRemote(p.root));
    });

    it.skipIf(!sshd.password)(`password login without sshpass → still rsync (over mtr's connection), no notice${passwordSkip}`, async () => {
      const p = makeProject({ sshd, servers: { test: serverFor(sshd, 'sftp', 'password', { sync: 'auto' }) }, files: { 'a.txt': 'pw auto\n' } });
      const result = await p.run(['-v', 'cat', 'a.txt'], { env: { PATH: pathWithout('sshpass') } });
      expectOk(result, 'pw auto\n');
      const all = lines(result.stderr);
      expect(all).toHaveLength(1);
      expect(SUMMARY.exec(all[0] ?? '')?.[4]).toBe('rsync');
    });
  });

  // A PATH of symlinks to the tools mtr may look for, leaving out the ones named.
  function pathWithout(...missing: string[]): string {
    const dir = fs.mkdtempSync(path.join(sshd.localRoot, 'path-'));
    const tools = ['ssh', 'ssh-keygen', 'sh', 'bash', 'env', 'rsync', 'sshpass', 'tmux', 'find', 'ls', 'cat'];
    fs.symlinkSync(process.execPath, path.join(dir, 'node'));
    for (const tool of tools.filter((t) => !missing.includes(t))) {
      const found = execFileSync('sh', ['-c', `command -v ${tool} || true`], { encoding: 'utf8' }).trim();
      if (found) fs.symlinkSync(found, path.join(dir, tool));
    }
    return dir;
  }

  describe.skipIf(!sshd.password)(`password login${passwordSkip}`, () => {
    // A slow rsync (200 MB of random bytes) watched in the process table every 20 ms until the run ends.
    async function watchSlowRsync(p: Project, env: Record<string, string> = {}) {
      const big = path.join(p.root, 'big.bin');
      const fd = fs.openSync(big, 'w');
      for (let i = 0; i < 25; i++) fs.writeSync(fd, randomBytes(8 * 1024 * 1024));
      fs.closeSync(fd);
      try {
        const running = p.spawn(['-v', 'echo', 'done'], { timeoutMs: 170_000, env });
        const seen: string[] = [];
        let done = false;
        const finished = running.result.finally(() => (done = true));
        while (!done) {
          seen.push(...processTable().map((p) => p.args).filter((line) => /sshpass|rsync|\bssh\b/.test(line)));
          await sleep(20);
        }
        const result = await finished;
        expect(fs.statSync(path.join(p.remoteDir, 'big.bin')).size).toBe(25 * 8 * 1024 * 1024);
        return { result, seen };
      } finally {
        fs.rmSync(big, { force: true });
        fs.rmSync(path.join(p.remoteDir, 'big.bin'), { force: true });
      }
    }

    it('rsync rides mtr\'s own logged-in connection: no sshpass, no second login, the password nowhere in `ps` or output', { timeout: 180_000 }, async () => {
      const { password } = sshd.password!;
      const p = makeProject({ sshd, servers: { test: serverFor(sshd, 'rsync', 'password') } });
      const { result, seen } = await watchSlowRsync(p, { PATH: pathWithout('sshpass') });
      expectOk(result, 'done\n');
      expect(onlySummary(result).engine).toBe('rsync');
      // Not vacuous: ps caught the local rsync with the relay as its remote shell, and the server side.
      expect(seen.some((line) => /^rsync .*mtr-rsh/.test(line)), seen.slice(0, 5).join('\n')).toBe(true);
      expect(seen.some((line) => line.includes('rsync --server'))).toBe(true);
      // No ssh of its own. Other test files (and other runs) start rsync through ssh at the same
      // time: only one for this project's remote_dir counts.
      expect(seen.filter((line) => /^sshpass -e rsync|^(sshpass -e )?ssh .*rsync --server/.test(line) && line.includes(p.remoteDir))).toEqual([]);
      expect(seen.filter((line) => line.includes(password))).toEqual([]);
      expect(result.stdout + result.stderr).not.toContain(password);
    });

    it('an rsync that does not hand on descriptors gets its own ssh through sshpass; the password stays out of `ps`', { timeout: 180_000 }, async () => {
      const { password } = sshd.password!;
      const p = makeProject({ sshd, servers: { test: serverFor(sshd, 'rsync', 'password') } });
      // An rsync wrapper that closes fds 3 and 4 first: the relay cannot start, so mtr runs rsync again
      // the classic way.
      const bin = fs.mkdtempSync(path.join(sshd.localRoot, 'closing-rsync-'));
      const real = execFileSync('sh', ['-c', 'command -v rsync'], { encoding: 'utf8' }).trim();
      fs.writeFileSync(path.join(bin, 'rsync'), `#!/bin/sh\nexec 3>&- 4>&-\nexec '${real}' "$@"\n`, { mode: 0o755 });
      const { result, seen } = await watchSlowRsync(p, { PATH: `${bin}:${process.env.PATH}` });
      expectOk(result, 'done\n');
      expect(onlySummary(result).engine).toBe('rsync');
      // Named by its remote_dir, as the check of the relay test above expects.
      expect(seen.some((line) => /^sshpass -e rsync /.test(line) && line.includes(p.remoteDir)), seen.slice(0, 5).join('\n')).toBe(true);
      expect(seen.some((line) => line.includes('rsync --server'))).toBe(true);
      expect(seen.filter((line) => line.includes(password))).toEqual([]);
      expect(result.stdout + result.stderr).not.toContain(password);
    });

    it.each<Engine>(['rsync', 'sftp'])('%s: a wrong password → 255, one message with a fix, no password echoed, nothing synced', async (engine) => {
      const wrong = `wrong-${randomBytes(6).toString('hex')}`;
      const p = makeProject({ sshd, servers: { test: serverFor(sshd, engine, 'password', { password: wrong }) }, files: { 'a.txt': 'x' } });
      const result = await p.run(['-v', 'echo', 'SHOULD-NOT-RUN']);
      expect(result.code).toBe(255);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^mtr: .*(authentication failed|refused the password|could not log in)/);
      expect(result.stderr).toMatch(/^ {2}fix: .*password/m);
      expectOneClearMessage(result.stderr);
      expect(lines(result.stderr)).toHaveLength(2);
      expect(result.stderr).not.toContain(wrong);
      expect(fs.existsSync(p.remoteDir)).toBe(false);
    });

    describe.each<Engine>(['rsync', 'sftp'])('%s: permission denied in remote_dir', (engine) => {
      // root owns it, 0755: the password user may enter but not write.
      const rootOwned = () => {
        const dir = fs.mkdtempSync(path.join(sshd.remoteRoot, 'root-only-'));
        fs.chmodSync(dir, 0o755);
        return dir;
      };
      it.each([
        ['remote_dir cannot be created', (dir: string) => path.join(dir, 'project')],
        ['remote_dir exists, not writable', (dir: string) => dir],
      ])('%s → one clear message, non-zero, the command does not run', async (_name, pick) => {
        const dir = rootOwned();
        const p = makeProject({
          sshd,
          servers: { test: serverFor(sshd, engine, 'password', { remote_dir: pick(dir) }) },
          files: { 'a.txt': 'x', 'sub/b.txt': 'y' },
        });
        const result = await p.run(['-v', 'echo', 'SHOULD-NOT-RUN']);
        expect(result.stdout).toBe('');
        expect(result.code).not.toBe(0);
        // 255 is documented as connection/authentication/host-key failure; the login worked here.
        expect(result.code).not.toBe(255);
        expect(result.stderr).toMatch(/permission denied/i);
        expectOneClearMessage(result.stderr);
        expect(result.stderr).not.toContain(sshd.password!.password);
        expect(fs.readdirSync(dir)).toEqual([]);
      });
    });
  });

  it('a missing key_filename → exit 2, one message naming it, with a fix; nothing synced', async () => {
    const key = path.join(sshd.localRoot, 'no-such-dir', 'id_missing');
    const p = makeProject({ sshd, servers: { test: { key_filename: key } }, files: { 'a.txt': 'x' } });
    const result = await p.run(['-v', 'echo', 'SHOULD-NOT-RUN']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(key);
    expectOneClearMessage(result.stderr);
    expect(lines(result.stderr)).toHaveLength(2);
    expect(fs.existsSync(p.remoteDir)).toBe(false);
  });

  describe('--dry-run', () => {
    it.each<Engine>(['rsync', 'sftp'])('%s: lists files, bytes, the 5 largest and the excluded count; the remote dir is not created', async (engine) => {
      const p = makeProject({ sshd, servers: { test: { sync: engine, exclude: EXCLUDE } } });
      buildFixture(p.root);
      const result = await p.run(['--dry-run', 'python3', 'train.py']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      const sent = Object.entries(expectedRemote(p.root)).filter(([, node]) => node.type === 'file');
      // .mtr/ (the config, which may hold a password) is never part of what is sent.
      const files = sent.length;
      const bytes = sent.reduce((n, [, node]) => n + node.size!, 0);
      expect(result.stdout).toContain(`${engine} ${p.root} → ${p.remoteDir}`);
      expect(result.stdout).toContain(`${files} files, ${formatBytes(bytes)} considered`);
      expect(result.stdout).toContain(`; ${IGNORED_ROOTS.length + 1} paths excluded`);
      const largest = [...result.stdout.matchAll(/^ +largest: (.*) \((.*)\)$/gm)].map((m) => [m[1], m[2]]);
      expect(largest).toEqual([
        ['data/blob.bin', formatBytes(300_000)],
        ['data/medium.bin', formatBytes(70_000)],
        ['data/mid.bin', formatBytes(50_000)],
        ['data/smaller.bin', formatBytes(20_000)],
        ['data/tiny.bin', formatBytes(10_000)],
      ]);
      expect(result.stdout).toMatch(/delete: off/);
      expect(fs.existsSync(p.remoteDir)).toBe(false);
      expect(fs.existsSync(path.dirname(p.remoteDir)) && fs.readdirSync(path.dirname(p.remoteDir))).toEqual([]);
    });

    it('with --delete: says delete is on, but deletes and sends nothing; no password shown', async () => {
      const servers = sshd.password ? { test: serverFor(sshd, 'rsync', 'password') } : { test: { sync: 'rsync' } };
      const p = makeProject({ sshd, servers, createRemoteDir: true, files: { 'a.txt': 'local\n' } });
      writeFile(p.remoteDir, 'remote-only.txt', 'keep me\n');
      const result = await p.run(['--dry-run', '--delete', 'true']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/delete: on/);
      expect(fs.readdirSync(p.remoteDir)).toEqual(['remote-only.txt']);
      if (sshd.password) expect(result.stdout + result.stderr).not.toContain(sshd.password.password);
    });

    // Plan, then apply: the dry run of a refused deletion is the refusal, not "would be deleted".
    it.each([
      ['/', ['--delete'], false],
      ['~/..', [], true],
    ])('remote_dir %j with delete on: the dry run refuses exactly as the run does (exit 2, same message)', async (remoteDir, flags, inConfig) => {
      const p = makeProject({ sshd, servers: { test: { sync: 'rsync', remote_dir: remoteDir, ...(inConfig ? { delete: true } : {}) } }, files: { 'a.txt': 'x' } });
      const dry = await p.run(['--dry-run', ...flags, 'echo', 'SHOULD-NOT-RUN']);
      const real = await p.run([...flags, 'echo', 'SHOULD-NOT-RUN']);
      expect(real.code).toBe(2);
      expect(dry.code).toBe(2);
      expect(dry.stderr).toBe(real.stderr);
      expect(dry.stderr).toMatch(/^mtr: refusing to delete remote files: remote_dir .* is (the root directory|a parent of your home directory)\n {2}fix: /);
      expectOneClearMessage(dry.stderr);
      expect(dry.stdout).toMatch(/^ {2}delete: REFUSED — refusing to delete remote files: .*; the run would stop here \(nothing sent, nothing run\)$/m);
      expect(dry.stdout).not.toMatch(/would be deleted/);
    });
  });

  it.skipIf(!sshd.password)(`a ~/ remote_dir lands in the login user's home${passwordSkip}`, async () => {
    const { user } = sshd.password!;
    const name = `mtr-e2e-sync-${process.pid}-${randomBytes(3).toString('hex')}`;
    const home = mtrpassHome(user);
    try {
      for (const engine of ['rsync', 'sftp'] as const) {
        const p = makeProject({ sshd, servers: { test: serverFor(sshd, engine, 'password', { remote_dir: `~/${name}/${engine}` }) }, files: { 'a b.txt': engine } });
        expectOk(await p.run(['-q', 'pwd']), `${path.join(home, name, engine)}\n`);
        expect(fs.readFileSync(path.join(home, name, engine, 'a b.txt'), 'utf8')).toBe(engine);
      }
    } finally {
      fs.rmSync(path.join(home, name), { recursive: true, force: true });
    }
  });
});

describeE2E('sync: auto on a server without rsync', (sshd) => {
  let server: ReducedSshd | undefined;
  afterAll(async () => {
    await stopSshdWithout(server);
    if (server) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('tries rsync, then syncs with SFTP after exactly one notice; the run goes on', async () => {
    server = await startSshdWithout(sshd, ['rsync']);
    const p = makeProject({ sshd: { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine }, files: { 'a.txt': 'over sftp\n' } });
    const result = await p.run(['-v', 'cat', 'a.txt']);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: 'over sftp\n' });
    expect(result.stderr.match(/rsync is not installed on the server; syncing with SFTP/g)).toHaveLength(1);
    expect(result.stderr).toMatch(/synced 1 of 1 file .* via sftp/);
  });
});
