// `mtr --get REMOTE [--to LOCAL]` end to end: what is fetched (relative to remote_dir or absolute,
// file or directory), where it lands (--to, else the server's download_dir, else the cwd), that
// --no-sync skips the upload, and the error for a path that is not there. The remote is this machine.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, type MakeProjectOptions, type Project, type RunResult } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';
import { startSshdWithout, stopSshdWithout, type ReducedSshd } from '../support/sshd-without.js';
import { formatBytes } from '../../src/ui/progress.js';
import { T, writeFile } from '../support/tree.js';

const W_BIN = randomBytes(300_000);


/** What a training run left on the server, inside remote_dir. */
function seedRemote(remoteDir: string): void {
  writeFile(remoteDir, 'outputs/run1/metrics.json', '{"loss":0.5}\n', 0o640, T + 1);
  writeFile(remoteDir, 'outputs/run1/deep/w.bin', W_BIN, 0o755, T + 2);
  writeFile(remoteDir, 'outputs/run1/name with space ü.txt', 'spaced\n', 0o644, T + 3);
  fs.mkdirSync(path.join(remoteDir, 'outputs/run1/empty'));
  fs.symlinkSync('run1/metrics.json', path.join(remoteDir, 'outputs/latest'));
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The `mtr: downloaded …` line; the only stderr line besides an optional sync summary. */
function downloadedLine(result: RunResult): string {
  expect({ code: result.code, stdout: result.stdout }, result.stderr).toEqual({ code: 0, stdout: '' });
  const lines = result.stderr.trimEnd().split('\n').filter((line) => !/^mtr: synced \d+ of \d+ files/.test(line));
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

function expectMetrics(file: string): void {
  expect(fs.readFileSync(file, 'utf8')).toBe('{"loss":0.5}\n');
  const st = fs.statSync(file);
  expect([st.mode & 0o777, Math.floor(st.mtimeMs / 1000)]).toEqual([0o640, T + 1]);
}

function expectRun1Tree(dir: string): void {
  const names = (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
  expect(names).toEqual(['deep', 'deep/w.bin', 'empty', 'metrics.json', 'name with space ü.txt']);
  expectMetrics(path.join(dir, 'metrics.json'));
  expect(sha(path.join(dir, 'deep/w.bin'))).toBe(createHash('sha256').update(W_BIN).digest('hex'));
  const w = fs.statSync(path.join(dir, 'deep/w.bin'));
  expect([w.mode & 0o777, Math.floor(w.mtimeMs / 1000)]).toEqual([0o755, T + 2]);
}

describeE2E('mtr --get', (sshd) => {
  // Every server of the project downloads with `engine` (the server's sync engine is --get's too).
  const projectFor = (engine: 'rsync' | 'sftp') => (options: MakeProjectOptions = {}): Project => {
    const servers = typeof options.servers === 'object' ? options.servers : { test: {} };
    const withEngine = Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, { sync: engine, ...server }]));
    const p = makeProject({ sshd, createRemoteDir: true, files: { 'train.py': 'print(1)\n' }, ...options, servers: withEngine });
    seedRemote(p.remoteDir);
    return p;
  };
  const project = projectFor('rsync');

  describe.each(['rsync', 'sftp'] as const)('with %s', (engine) => {
    const project = projectFor(engine);

    describe('what is fetched', () => {
      it('a file relative to remote_dir → the cwd, with its mode and mtime (after a sync)', async () => {
        const p = project();
        const result = await p.run(['--get', 'outputs/run1/metrics.json']);
        expect(downloadedLine(result)).toBe('mtr: downloaded 1 file (13 B) to metrics.json');
        expectMetrics(path.join(p.root, 'metrics.json'));
        // The sync ran first.
        expect(fs.readFileSync(path.join(p.remoteDir, 'train.py'), 'utf8')).toBe('print(1)\n');
      });

      it('a directory relative to remote_dir → <cwd>/<name>, the whole tree, symlinks as symlinks', async () => {
        const p = project();
        const result = await p.run(['--no-sync', '--get', 'outputs']);
        expect(downloadedLine(result)).toMatch(/^mtr: downloaded 3 files \(.*\) to outputs$/);
        expectRun1Tree(path.join(p.root, 'outputs', 'run1'));
        expect(fs.readlinkSync(path.join(p.root, 'outputs', 'latest'))).toBe('run1/metrics.json');
        expect((fs.readdirSync(p.root, { recursive: true }) as string[]).filter((n) => n.includes('mtr-tmp'))).toEqual([]);
      });

      it('a trailing slash names the same directory', async () => {
        const p = project();
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1/']))).toMatch(/to run1$/);
        expectRun1Tree(path.join(p.root, 'run1'));
      });

      it('an absolute remote path is taken as is (file and directory)', async () => {
        const p = project();
        const abs = path.join(p.remoteDir, 'outputs', 'run1');
        expect(downloadedLine(await p.run(['--no-sync', '--get', path.join(abs, 'metrics.json')]))).toMatch(/to metrics\.json$/);
        expectMetrics(path.join(p.root, 'metrics.json'));
        expect(downloadedLine(await p.run(['--no-sync', '--get', abs, '--to', 'abs-copy']))).toMatch(/to abs-copy\/run1$/);
        expectRun1Tree(path.join(p.root, 'abs-copy', 'run1'));
      });

      it('from a subdirectory: still relative to remote_dir (not its subfolder), lands in the cwd', async () => {
        const p = project({ files: { 'sub/dir/keep.txt': 'k' } });
        const cwd = path.join(p.root, 'sub', 'dir');
        const result = await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json'], { cwd });
        expect(downloadedLine(result)).toBe('mtr: downloaded 1 file (13 B) to metrics.json');
        expectMetrics(path.join(cwd, 'metrics.json'));
        expect(fs.existsSync(path.join(p.root, 'metrics.json'))).toBe(false);
      });

      it('a symlink to a file is fetched as the file it points to', async () => {
        const p = project();
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/latest', '--to', 'latest.json']))).toMatch(/to latest\.json$/);
        expect(fs.lstatSync(path.join(p.root, 'latest.json')).isFile()).toBe(true);
        expectMetrics(path.join(p.root, 'latest.json'));
      });

      it.skipIf(!sshd.password)('works for a password login too', async () => {
        const { user, password } = sshd.password!;
        const p = project({ servers: { pw: { user, password, key_filename: undefined } } });
        execFileSync('chown', ['-R', user, p.remoteDir]); // the login user's own project
        const result = await p.run(['--get', 'outputs/run1/metrics.json', '--to', 'pw.json']);
        expect(downloadedLine(result)).toMatch(/to pw\.json$/);
        expectMetrics(path.join(p.root, 'pw.json'));
        expect(result.stderr).not.toContain(password);
      });
    });

    describe('where it lands', () => {
      it('a file --to a new path (no trailing slash): created under exactly that name, parents too', async () => {
        const p = project();
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json', '--to', 'new/deeper/m.json']))).toMatch(/to new\/deeper\/m\.json$/);
        expectMetrics(path.join(p.root, 'new/deeper/m.json'));
      });

      it('a file --to DIR/ (trailing slash): into that folder, created with its parents if missing', async () => {
        const p = project();
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json', '--to', 'made/here/']))).toMatch(/to made\/here\/metrics\.json$/);
        expectMetrics(path.join(p.root, 'made/here/metrics.json'));
        expect(fs.statSync(path.join(p.root, 'made/here')).isDirectory()).toBe(true);
        // Again: the same file is updated, nothing else appears.
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json', '--to', 'made/here/']))).toMatch(/to made\/here\/metrics\.json$/);
        expect(fs.readdirSync(path.join(p.root, 'made/here'))).toEqual(['metrics.json']);
      });

      it('a directory --to a new path: goes into it under its own name (the folder is created)', async () => {
        const p = project();
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1', '--to', 'results/r1']))).toMatch(/to results\/r1\/run1$/);
        expectRun1Tree(path.join(p.root, 'results/r1/run1'));
        expect(fs.readdirSync(path.join(p.root, 'results/r1'))).toEqual(['run1']);
      });

      it('the same directory --get twice lands in the same place (never nested into itself), with or without a slash', async () => {
        const p = project();
        for (const to of ['X', 'X', 'X/']) {
          expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1', '--to', to]))).toMatch(/to X\/run1$/);
        }
        expect(fs.readdirSync(path.join(p.root, 'X'))).toEqual(['run1']);
        expectRun1Tree(path.join(p.root, 'X/run1'));
        for (let i = 0; i < 2; i++) expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1']))).toMatch(/to run1$/);
        expectRun1Tree(path.join(p.root, 'run1'));
      });

      it('--to a file for a directory (or a file with a slash) → exit 2, one line, nothing written', async () => {
        const p = project({ files: { 'notes.txt': 'mine\n' } });
        const before = (fs.readdirSync(p.root, { recursive: true }) as string[]).sort();
        for (const args of [['outputs/run1', '--to', 'notes.txt'], ['outputs/run1/metrics.json', '--to', 'notes.txt/']]) {
          const result = await p.run(['--no-sync', '--get', ...args]);
          expect({ code: result.code, stdout: result.stdout }, result.stderr).toEqual({ code: 2, stdout: '' });
          expect(result.stderr).toMatch(/^mtr: \/.*\/notes\.txt is a file, so nothing can go into it\n  fix: /);
        }
        expect((fs.readdirSync(p.root, { recursive: true }) as string[]).sort()).toEqual(before);
        expect(fs.readFileSync(path.join(p.root, 'notes.txt'), 'utf8')).toBe('mine\n');
      });

      it('--to an existing directory: placed inside it under its own name', async () => {
        const p = project({ files: { 'results/.keep': '' } });
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json', '--to', 'results']))).toMatch(/to results\/metrics\.json$/);
        expectMetrics(path.join(p.root, 'results/metrics.json'));
        expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1', '--to', 'results/']))).toMatch(/to results\/run1$/);
        expectRun1Tree(path.join(p.root, 'results/run1'));
      });

      it('--to an absolute path outside the project', async () => {
        const p = project();
        const out = path.join(fs.mkdtempSync(path.join(sshd.localRoot, 'get-out-')), 'm.json');
        await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json', '--to', out]);
        expectMetrics(out);
      });

      it("the server's download_dir (relative to the project root, created) when there is no --to", async () => {
        const p = project({ servers: { test: { download_dir: './downloads/here' } }, files: { 'sub/keep.txt': 'k' } });
        const result = await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json'], { cwd: path.join(p.root, 'sub') });
        expect(downloadedLine(result)).toBe('mtr: downloaded 1 file (13 B) to ../downloads/here/metrics.json');
        expectMetrics(path.join(p.root, 'downloads/here/metrics.json'));
        expect(fs.existsSync(path.join(p.root, 'sub', 'metrics.json'))).toBe(false);
      });

      it('--to beats download_dir', async () => {
        const p = project({ servers: { test: { download_dir: './downloads' } } });
        await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json', '--to', 'elsewhere.json']);
        expectMetrics(path.join(p.root, 'elsewhere.json'));
        expect(fs.existsSync(path.join(p.root, 'downloads'))).toBe(false);
      });

      it('overwrites an existing local file of the same name', async () => {
        const p = project({ files: { 'metrics.json': 'old local content that is longer\n' } });
        await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json']);
        expectMetrics(path.join(p.root, 'metrics.json'));
      });
    });

    it('a symlink it once placed, now a directory on the server: replaced, never written through', async () => {
      const p = project();
      const victim = fs.mkdtempSync(path.join(sshd.localRoot, 'victim-'));
      fs.writeFileSync(path.join(victim, 'existing.txt'), 'victim\n');
      fs.symlinkSync(victim, path.join(p.remoteDir, 'outputs', 'link'));
      expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs']))).toMatch(/to outputs$/);
      expect(fs.readlinkSync(path.join(p.root, 'outputs/link'))).toBe(victim);

      fs.unlinkSync(path.join(p.remoteDir, 'outputs', 'link'));
      writeFile(p.remoteDir, 'outputs/link/existing.txt', 'from the server\n');
      writeFile(p.remoteDir, 'outputs/link/deeper/new.txt', 'new\n');
      expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs']))).toMatch(/to outputs$/);
      expect(fs.readdirSync(victim)).toEqual(['existing.txt']);
      expect(fs.readFileSync(path.join(victim, 'existing.txt'), 'utf8')).toBe('victim\n');
      expect(fs.lstatSync(path.join(p.root, 'outputs/link')).isDirectory()).toBe(true);
      expect(fs.readFileSync(path.join(p.root, 'outputs/link/existing.txt'), 'utf8')).toBe('from the server\n');
      expect(fs.readFileSync(path.join(p.root, 'outputs/link/deeper/new.txt'), 'utf8')).toBe('new\n');
    });

    it('a 40 MB file arrives whole, its bytes intact (the rsync relay once stalled on a large download)', async () => {
      const p = project();
      const big = randomBytes(40 * 1024 * 1024);
      writeFile(p.remoteDir, 'outputs/model.bin', big, 0o644, T + 5);
      expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/model.bin']))).toBe(`mtr: downloaded 1 file (${formatBytes(big.length)}) to model.bin`);
      expect(sha(path.join(p.root, 'model.bin'))).toBe(createHash('sha256').update(big).digest('hex'));
    });
  });

  describe('with rsync only', () => {
    it('a repeated download fetches only what changed', async () => {
      const p = project();
      expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1']))).toMatch(/^mtr: downloaded 3 files /);
      writeFile(p.remoteDir, 'outputs/run1/metrics.json', '{"loss":0.25}\n', 0o640, T + 9);
      expect(downloadedLine(await p.run(['--no-sync', '--get', 'outputs/run1']))).toBe('mtr: downloaded 1 file (14 B) to run1');
      expect(fs.readFileSync(path.join(p.root, 'run1/metrics.json'), 'utf8')).toBe('{"loss":0.25}\n');
    });
  });

  describe('sync and output', () => {
    it('--no-sync --get uploads nothing; --get alone syncs first', async () => {
      const p = project();
      fs.writeFileSync(path.join(p.root, 'new-local.txt'), 'made after the last sync\n');
      const skipped = await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json']);
      expect(skipped.stderr).toBe('mtr: downloaded 1 file (13 B) to metrics.json\n');
      expect(fs.existsSync(path.join(p.remoteDir, 'new-local.txt'))).toBe(false);
      expect(fs.existsSync(path.join(p.remoteDir, 'train.py'))).toBe(false);

      const synced = await p.run(['-v', '--get', 'outputs/run1/metrics.json', '--to', 'again.json']);
      expect(synced.stderr).toMatch(/^mtr: synced \d+ of \d+ files? .*\nmtr: downloaded 1 file \(13 B\) to again\.json\n$/);
      expect(fs.readFileSync(path.join(p.remoteDir, 'new-local.txt'), 'utf8')).toBe('made after the last sync\n');
    });

    it('-q: nothing on stderr (no sync summary, no download line), the file still arrives', async () => {
      const p = project();
      const result = await p.run(['-q', '--get', 'outputs/run1/metrics.json']);
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
      expectMetrics(path.join(p.root, 'metrics.json'));
    });
  });

  describe('errors', () => {
    it.each([
      ['relative', 'outputs/no-such-run/x.json', 'rsync'],
      ['absolute', '/nonexistent-mtr-path/x.json', 'rsync'],
      ['relative', 'outputs/no-such-run/x.json', 'sftp'],
      ['absolute', '/nonexistent-mtr-path/x.json', 'sftp'],
    ] as const)('an unknown %s remote path (%s) → non-zero, one clear line naming it, nothing written locally', async (_kind, remote, engine) => {
      const p = projectFor(engine)();
      const before = (fs.readdirSync(p.root, { recursive: true }) as string[]).sort();
      const result = await p.run(['--no-sync', '--get', remote]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^mtr: .*does not exist on the server/);
      expect(lines[0]).toContain(path.posix.basename(path.posix.dirname(remote)));
      expect(lines.filter((line) => line.startsWith('mtr: '))).toHaveLength(1);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect((fs.readdirSync(p.root, { recursive: true }) as string[]).sort()).toEqual(before);
    });

    it('--get with a command → usage error (exit 2)', async () => {
      const p = project();
      const result = await p.run(['--get', 'outputs', 'ls']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^mtr: --get takes no command/);
    });

    it('--to without --get → usage error (exit 2)', async () => {
      const p = project();
      const result = await p.run(['--to', 'x', 'true']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--to only applies to --get/);
      expect(fs.existsSync(path.join(p.remoteDir, 'train.py'))).toBe(false);
    });
  });
});

describeE2E('mtr --get, sync: auto, on a server without rsync', (sshd) => {
  let server: ReducedSshd | undefined;
  afterAll(async () => {
    await stopSshdWithout(server);
    if (server) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('tries rsync, then downloads with SFTP after exactly one notice', async () => {
    server = await startSshdWithout(sshd, ['rsync']);
    const p = makeProject({ sshd: { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine }, createRemoteDir: true, servers: { test: { sync: 'auto' } } });
    seedRemote(p.remoteDir);
    const result = await p.run(['--no-sync', '--get', 'outputs/run1/metrics.json']);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: 'mtr: rsync is not installed on the server; downloading with SFTP\nmtr: downloaded 1 file (13 B) to metrics.json\n',
    });
    expectMetrics(path.join(p.root, 'metrics.json'));
  });
});
