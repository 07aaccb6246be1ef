// The SFTP engine against the real test sshd: uploads, incremental runs, deletions, downloads.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, MtrError } from '../../src/errors.js';
import type { Host } from '../../src/host/types.js';
import { applyDeletions } from '../../src/sync/remote/delete.js';
import { downloadViaSftp, resolveRemotePath } from '../../src/sync/sftp/download.js';
import { readRemoteManifest } from '../../src/sync/sftp/manifest.js';
import { syncViaSftp } from '../../src/sync/sftp/upload.js';
import { planDeletions } from '../../src/sync/plan/changes.js';
import { checkDeleteTarget } from '../../src/sync/plan/delete-guard.js';
import { openSftp, walkSftp } from '../../src/sync/sftp/session.js';
import type { RemoteEntry, SyncProgress } from '../../src/sync/types.js';
import { connectHost as connect, walkTree } from '../support/engine-host.js';
import { describeE2E } from '../support/sshd.js';
import { fileStamps, passCtimeTick } from '../support/tree.js';

const T = 1_600_000_000;
const BIG = 20 * 1024 * 1024;

function write(root: string, rel: string, content: string | Buffer, mode = 0o644, mtime = T): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  fs.utimesSync(file, mtime, mtime);
}

function listAll(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describeE2E('sftp engine', (sshd) => {
  let base: string;
  let conn: Host;
  const fresh = (label: string) => {
    const dir = fs.mkdtempSync(path.join(base, `${label}-`));
    const remote = fs.mkdtempSync(path.join(sshd.remoteRoot, 'sftp-'));
    fs.chmodSync(remote, 0o777);
    return { local: path.join(dir, 'project'), remote: path.join(remote, 'nested', 'project') };
  };

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(sshd.localRoot, 'sftp-'));
    conn = await connect(sshd, base, { user: sshd.user, key: sshd.clientKey });
  });
  afterAll(() => conn?.close());

  function buildProject(local: string): void {
    write(local, 'README.md', '# hi\n');
    write(local, 'src/deep/er/mod.py', 'print(1)\n');
    write(local, 'dir with spaces/file name.txt', 'spaces\n', 0o600, T + 7);
    write(local, 'ünïcødé/日本語 🚀.txt', 'unicode\n');
    write(local, 'bin/run.sh', '#!/bin/sh\necho run\n', 0o755);
    write(local, 'data/big.bin', randomBytes(BIG));
    fs.mkdirSync(path.join(local, 'empty'));
    fs.symlinkSync('src/deep/er/mod.py', path.join(local, 'link-to-mod'));
  }

  it('uploads a fresh tree, then sends nothing the second time, then only what changed', async () => {
    const { local, remote } = fresh('up');
    buildProject(local);
    const tree = walkTree(local);
    const progress: SyncProgress[] = [];
    const first = await syncViaSftp({ host: conn, root: local, tree, remoteDir: remote, onProgress: (p) => progress.push(p), concurrency: 8 });
    // Regular files only (the symlink is made, not counted), as the rsync engine counts.
    expect(first.filesSent).toBe(6);
    expect(first.bytesSent).toBe(tree.entries.reduce((n, e) => n + e.size, 0));
    expect(progress.at(-1)).toMatchObject({ files: 6, bytes: first.bytesSent, totalFiles: 6, totalBytes: first.bytesSent });
    expect(progress.map((p) => p.bytes)).toEqual([...progress.map((p) => p.bytes)].sort((a, b) => a - b));

    expect(listAll(remote)).toEqual(listAll(local));
    expect(listAll(remote).some((p) => p.includes('.mtr-tmp-'))).toBe(false);
    expect(sha(path.join(remote, 'data/big.bin'))).toBe(sha(path.join(local, 'data/big.bin')));
    expect(fs.readFileSync(path.join(remote, 'ünïcødé/日本語 🚀.txt'), 'utf8')).toBe('unicode\n');
    const spaced = fs.statSync(path.join(remote, 'dir with spaces/file name.txt'));
    expect([spaced.mode & 0o777, spaced.mtimeMs / 1000]).toEqual([0o600, T + 7]);
    expect(fs.statSync(path.join(remote, 'bin/run.sh')).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(remote, 'link-to-mod'))).toBe('src/deep/er/mod.py');
    expect(fs.statSync(path.join(remote, 'empty')).isDirectory()).toBe(true);

    // The "server" is this machine: its files' inodes and ns ctimes show any rewrite.
    const before = fileStamps(remote);
    expect(Object.keys(before)).toContain('data/big.bin');
    await passCtimeTick(path.dirname(remote));
    const second = await syncViaSftp({ host: conn, root: local, tree: walkTree(local), remoteDir: remote });
    expect([second.filesSent, second.bytesSent, second.plan.unchanged]).toEqual([0, 0, tree.entries.length]);
    expect(fileStamps(remote)).toEqual(before);

    write(local, 'src/deep/er/mod.py', 'print(2)  # changed\n', 0o644, T + 100);
    fs.chmodSync(path.join(local, 'README.md'), 0o755);
    fs.writeFileSync(path.join(remote, 'remote-only.log'), 'server output\n');
    const third = await syncViaSftp({ host: conn, root: local, tree: walkTree(local), remoteDir: remote });
    expect(third.filesSent).toBe(1);
    expect(third.plan.modeFixes).toEqual([{ path: 'README.md', mode: 0o755 }]);
    expect(fs.readFileSync(path.join(remote, 'src/deep/er/mod.py'), 'utf8')).toBe('print(2)  # changed\n');
    expect(fs.statSync(path.join(remote, 'README.md')).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(remote, 'remote-only.log'), 'utf8')).toBe('server output\n');
  });

  it('skips a file that vanished after the walk, like rsync', async () => {
    const { local, remote } = fresh('vanish');
    write(local, 'stays.txt', 's');
    write(local, 'goes.txt', 'g');
    const tree = walkTree(local);
    fs.rmSync(path.join(local, 'goes.txt'));
    const result = await syncViaSftp({ host: conn, root: local, tree, remoteDir: remote });
    expect(result.filesSent).toBe(1);
    expect(fs.readdirSync(remote)).toEqual(['stays.txt']);
  });

  // Counts the SFTP channels the engine asks the host for.
  async function countingChannels<T>(run: () => Promise<T>, on = conn): Promise<{ result: T; channels: number }> {
    const original = on.sftp;
    let channels = 0;
    on.sftp = () => {
      channels++;
      return original.call(on);
    };
    try {
      return { result: await run(), channels };
    } finally {
      on.sftp = original;
    }
  }

  function manyFiles(local: string, count: number): void {
    for (let i = 0; i < count; i++) {
      write(local, `d${i % 9}/f${i}.py`, `file ${i}\n${'x'.repeat(i % 300)}`, i % 5 === 0 ? 0o755 : 0o644, T + (i % 17));
    }
  }

  // These two measure the SFTP channels themselves: new files would otherwise go as one tar stream.
  it('spreads a many-file upload over several SFTP channels, every file whole with its mode and mtime', async () => {
    const { local, remote } = fresh('many');
    manyFiles(local, 900);
    const tree = walkTree(local);
    const { result, channels } = await countingChannels(() => syncViaSftp({ host: conn, root: local, tree, remoteDir: remote, bundle: false }));
    expect(channels).toBe(4);
    expect(result.filesSent).toBe(900);
    expect(listAll(remote)).toEqual(listAll(local));
    for (const entry of tree.entries.filter((e) => e.type === 'file')) {
      const st = fs.statSync(path.join(remote, entry.path));
      expect([entry.path, st.mode & 0o777, st.mtimeMs / 1000]).toEqual([entry.path, entry.mode, entry.mtime]);
      expect(fs.readFileSync(path.join(remote, entry.path), 'utf8')).toBe(fs.readFileSync(path.join(local, entry.path), 'utf8'));
    }
  });

  it('uploads over fewer channels when the server refuses more sessions (MaxSessions)', async () => {
    const { local, remote } = fresh('maxsessions');
    manyFiles(local, 600);
    // A connection of its own, its sessions hogged until the server refuses one; then one is freed.
    const own = await connect(sshd, fs.mkdtempSync(path.join(base, 'own-')), { user: sshd.user, key: sshd.clientKey });
    try {
      const hogs: Awaited<ReturnType<typeof openSftp>>[] = [];
      for (let next; (next = await openSftp(own).catch(() => undefined)); ) {
        hogs.push(next);
        expect(hogs.length).toBeLessThan(100);
      }
      expect(hogs.length).toBeGreaterThan(1);
      hogs.pop()?.end();
      // The server frees the slot a moment after the channel closes: until then the upload's own
      // channel is refused too (and nothing is written), so that case is tried again.
      const attempt = () =>
        countingChannels(() => syncViaSftp({ host: own, root: local, tree: walkTree(local), remoteDir: remote, remote: new Map(), bundle: false }), own);
      let outcome: Awaited<ReturnType<typeof attempt>> | undefined;
      const deadline = Date.now() + 10_000;
      while (!outcome) {
        outcome = await attempt().catch((error: Error) => {
          if (!/refused an SFTP channel/.test(error.message) || Date.now() > deadline) throw error;
          return undefined;
        });
        if (!outcome) await new Promise((r) => setTimeout(r, 50));
      }
      const { result, channels } = outcome;
      expect(channels).toBe(1 + 2); // its own channel, then two extra asked for and refused
      expect(result.filesSent).toBe(600);
      expect(listAll(remote)).toEqual(listAll(local));
    } finally {
      own.close();
    }
  });

  it('deletes remote-only files that are not ignored, and nothing else', async () => {
    const { local, remote } = fresh('del');
    write(local, 'keep.txt', 'k');
    write(local, 'src/a.py', 'a');
    await syncViaSftp({ host: conn, root: local, tree: walkTree(local), remoteDir: remote });
    for (const rel of ['gone.txt', 'src/old.py', 'stale/dir/x.txt', 'outputs/model.bin', 'src/cache.pyc', '-rf', 'new\nline']) {
      write(remote, rel, 'remote');
    }
    const manifest = await readRemoteManifest(conn, remote);
    expect(manifest.exists).toBe(true);
    expect(checkDeleteTarget(remote, manifest.home)).toBeUndefined();
    const isIgnored = (p: string) => p === 'outputs' || p.endsWith('.pyc');
    const plan = planDeletions(walkTree(local), manifest.entries, isIgnored);
    expect(plan.dirs).toEqual(['stale/dir', 'stale']);
    expect(await applyDeletions(conn, remote, plan)).toBe(7);
    expect(listAll(remote)).toEqual(['keep.txt', 'outputs', 'outputs/model.bin', 'src', 'src/a.py', 'src/cache.pyc']);
  });

  it('lists the same tree with find -printf and with the SFTP readdir fallback', async () => {
    const { local, remote } = fresh('walk');
    write(local, 'a b/c\nd.txt', 'x', 0o751, T + 9);
    write(local, 'ü/e', 'yy');
    fs.symlinkSync('a b', path.join(local, 'ln'));
    await syncViaSftp({ host: conn, root: local, tree: walkTree(local), remoteDir: remote });
    const viaFind = [...(await readRemoteManifest(conn, remote)).entries.values()];
    const session = await openSftp(conn);
    try {
      const viaSftp = await walkSftp(session, remote);
      const strip = ({ linkTarget: _drop, mtimeMs: _exact, ...rest }: RemoteEntry) => ({ ...rest, size: rest.type === 'file' ? rest.size : 0 });
      expect(viaSftp).toEqual(viaFind.map(strip).sort((a, b) => (a.path < b.path ? -1 : 1)));
      expect(viaFind.find((e) => e.path === 'ln')?.linkTarget).toBe('a b');
      expect(viaSftp.find((e) => e.path === 'a b/c\nd.txt')).toMatchObject({ mode: 0o751, mtime: T + 9, size: 1 });
    } finally {
      session.end();
    }
  });

  it('reports a missing remote dir, and the server refuses deletions in $HOME', async () => {
    const manifest = await readRemoteManifest(conn, path.join(sshd.remoteRoot, 'does not exist'));
    expect(manifest).toMatchObject({ exists: false, entries: new Map() });
    expect(manifest.home).toMatch(/^\//);
    await expect(applyDeletions(conn, '~', { files: ['definitely-not-here-mtr'], dirs: [] })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^refusing to delete remote files: remote_dir "~" is your home directory once symlinks are followed/),
    });
  });

  it('downloads a file and a directory with modes and mtimes, without temp files', async () => {
    const { local, remote } = fresh('get');
    write(remote, 'out/run1/metrics.json', '{"loss":1}', 0o640, T + 3);
    write(remote, 'out/run1/deep/x.bin', randomBytes(300_000), 0o755, T + 4);
    fs.symlinkSync('run1/metrics.json', path.join(remote, 'out/latest'));
    fs.mkdirSync(local, { recursive: true });

    const one = await downloadViaSftp({ host: conn, remotePath: resolveRemotePath(remote, 'out/run1/metrics.json'), dest: { path: local, into: true }, who: 'server test' });
    expect(one).toEqual({ localPath: path.join(local, 'metrics.json'), files: 1, bytes: 10 });
    const st = fs.statSync(one.localPath);
    expect([st.mode & 0o777, st.mtimeMs / 1000]).toEqual([0o640, T + 3]);

    const renamed = await downloadViaSftp({ host: conn, remotePath: `${remote}/out/run1/metrics.json`, dest: { path: path.join(local, 'new', 'm.json'), into: false }, who: 'server test' });
    expect(fs.readFileSync(renamed.localPath, 'utf8')).toBe('{"loss":1}');

    const tree = await downloadViaSftp({ host: conn, remotePath: resolveRemotePath(remote, 'out'), dest: { path: local, into: true }, who: 'server test' });
    expect(tree).toMatchObject({ localPath: path.join(local, 'out'), files: 2, bytes: 300_010 });
    expect(listAll(tree.localPath)).toEqual(['latest', 'run1', 'run1/deep', 'run1/deep/x.bin', 'run1/metrics.json']);
    expect(sha(path.join(tree.localPath, 'run1/deep/x.bin'))).toBe(sha(path.join(remote, 'out/run1/deep/x.bin')));
    expect(fs.statSync(path.join(tree.localPath, 'run1/deep/x.bin')).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(tree.localPath, 'latest'))).toBe('run1/metrics.json');
    expect(listAll(local).some((p) => p.includes('.mtr-tmp-'))).toBe(false);

    await expect(downloadViaSftp({ host: conn, remotePath: `${remote}/nope`, dest: { path: local, into: true }, who: 'server test' })).rejects.toThrow(/does not exist on the server/);
  });

  it('turns a dropped connection into ConnectionError 255 and leaves no half file under a real name', async () => {
    const { local, remote } = fresh('drop');
    write(local, 'huge.bin', randomBytes(BIG));
    const own = await connect(sshd, base, { user: sshd.user, key: sshd.clientKey });
    const sync = syncViaSftp({
      host: own, root: local, tree: walkTree(local), remoteDir: remote,
      onProgress: (p) => p.bytes > 0 && own.destroy(),
    });
    const error = await sync.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).exitCode).toBe(255);
    expect(fs.existsSync(path.join(remote, 'huge.bin'))).toBe(false);
  });

  // Needs root and a kernel that lets this container mount a 1 MB tmpfs; skipped otherwise.
  it('maps a full remote disk to one clear exit-1 error and leaves nothing behind', async (ctx) => {
    const { local, remote } = fresh('full');
    fs.mkdirSync(remote, { recursive: true });
    if (process.getuid?.() !== 0 || spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', remote]).status !== 0) {
      return ctx.skip('cannot mount a small tmpfs here');
    }
    try {
      for (let i = 0; i < 4; i++) write(local, `part${i}.bin`, randomBytes(600_000));
      const error = await syncViaSftp({ host: conn, root: local, tree: walkTree(local), remoteDir: remote }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MtrError);
      expect((error as MtrError).exitCode).toBe(1);
      expect((error as MtrError).message).toMatch(/^the server's disk is full \(writing .*part\d\.bin\)$/);
      expect(fs.readdirSync(remote).filter((n) => n.includes('.mtr-tmp-'))).toEqual([]);
    } finally {
      spawnSync('umount', [remote]);
    }
  });

  describe.skipIf(!sshd.password)('password user', () => {
    it('logs in with a password, resolves ~/ through SFTP, and maps permission denied to exit 1', async () => {
      const pw = sshd.password!;
      const own = await connect(sshd, base, { user: pw.user, password: pw.password });
      const name = `mtr-sftp-${randomBytes(4).toString('hex')}`;
      try {
        const { local } = fresh('pw');
        write(local, 'a/b.txt', 'via password\n', 0o640);
        const result = await syncViaSftp({ host: own, root: local, tree: walkTree(local), remoteDir: `~/${name}/proj` });
        expect(result.filesSent).toBe(1);
        const check = await own.capture(`cat ~/${name}/proj/a/b.txt && stat -c %a ~/${name}/proj/a/b.txt && whoami`);
        expect(check.stdout.toString()).toBe(`via password\n640\n${pw.user}\n`);

        const locked = fs.mkdtempSync(path.join(sshd.remoteRoot, 'locked-'));
        fs.chmodSync(locked, 0o755);
        const error = await syncViaSftp({ host: own, root: local, tree: walkTree(local), remoteDir: locked }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MtrError);
        expect((error as MtrError).exitCode).toBe(1);
        expect((error as MtrError).message).toMatch(/permission denied/);
      } finally {
        await own.capture(`rm -rf ~/${name}`);
        own.close();
      }
    });
  });
});
