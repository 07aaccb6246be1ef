// The rsync engine (runRsync from src) against the run-wide real sshd, with real rsync, ssh and sshpass.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../src/config/types.js';
import type { Context } from '../../src/context.js';
import { ConnectionError } from '../../src/errors.js';
import { nullLogger } from '../../src/log.js';
import { openHost } from '../../src/host/open.js';
import type { Host } from '../../src/host/types.js';
import { resolveTarget } from '../../src/ssh/target.js';
import type { SshTarget } from '../../src/ssh/target.js';
import { runRsync, type RunRsyncOptions } from '../../src/sync/rsync/run.js';
import { makeProject, type Project } from '../support/mtr.js';
import { processTable } from '../support/processes.js';
import { eventually } from '../support/eventually.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';

// Exclude rules as sync-project builds them from a walk; mtr's own .mtr/ is always among them.
const excludes = (...rules: string[]) => Buffer.from(['/.mtr/', ...rules].map((r) => `${r}\0`).join(''), 'utf8');

function write(root: string, file: string, content: string | Buffer, mode?: number): void {
  const target = path.join(root, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  if (mode !== undefined) fs.chmodSync(target, mode);
}

function keyTarget(sshd: SshdInfo, project: Project, over: Partial<SshTarget> = {}): SshTarget {
  return {
    label: 'test',
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFiles: [sshd.clientKey],
    explicitKey: true,
    jumps: [],
    connectTimeoutMs: 10_000,
    hostKeyPolicy: 'yes',
    knownHostsFiles: [path.join(project.home, '.ssh', 'known_hosts')],
    ...over,
  };
}

function passwordTarget(sshd: SshdInfo, project: Project, password: string): SshTarget {
  return keyTarget(sshd, project, { user: sshd.password!.user, password, identityFiles: [], explicitKey: false });
}

const sync = (project: Project, target: SshTarget, over: Partial<RunRsyncOptions> = {}) =>
  runRsync({ root: project.root, excludeList: excludes(), remoteDir: project.remoteDir, target, homedir: project.home, ...over });

describeE2E('rsync engine', (sshd) => {
  const project = () => makeProject({ sshd });

  it('copies files, names with spaces and unicode, empty dirs, symlinks, exec bits and mtimes — all but the excluded', async () => {
    const p = project();
    write(p.root, 'dir with space/ünïcødé 🚀.txt', 'unicode\n');
    write(p.root, 'a/b/c.txt', 'nested\n');
    write(p.root, 'a/secret.txt', 'ignored: excluded\n');
    write(p.root, 'run.sh', '#!/bin/sh\necho hi\n', 0o755);
    fs.mkdirSync(path.join(p.root, 'empty'));
    fs.symlinkSync('a/b/c.txt', path.join(p.root, 'link'));
    const old = new Date('2001-02-03T04:05:06Z');
    fs.utimesSync(path.join(p.root, 'a/b/c.txt'), old, old);
    const files = excludes('/a/secret.txt');
    const progress: number[] = [];

    const result = await sync(p, keyTarget(sshd, p), { excludeList: files, onProgress: (u) => progress.push(u.files) });

    // Regular files only (itemized `>f` lines); the symlink and dirs are made, not counted.
    expect(result.filesSent).toBe(3);
    expect(result.bytesSent).toBe(Buffer.byteLength('unicode\nnested\n#!/bin/sh\necho hi\n'));
    expect(progress.at(-1)).toBe(3);
    const remote = (file: string) => path.join(p.remoteDir, file);
    expect(fs.readFileSync(remote('dir with space/ünïcødé 🚀.txt'), 'utf8')).toBe('unicode\n');
    expect(fs.readFileSync(remote('a/b/c.txt'), 'utf8')).toBe('nested\n');
    expect(fs.existsSync(remote('a/secret.txt'))).toBe(false);
    expect(fs.statSync(remote('empty')).isDirectory()).toBe(true);
    expect(fs.lstatSync(remote('link')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(remote('link'))).toBe('a/b/c.txt');
    expect(fs.statSync(remote('run.sh')).mode & 0o777).toBe(0o755);
    expect(Math.floor(fs.statSync(remote('a/b/c.txt')).mtimeMs / 1000)).toBe(old.getTime() / 1000);
    expect(fs.readdirSync(p.remoteDir).sort()).toEqual(['a', 'dir with space', 'empty', 'link', 'run.sh']);

    const again = await sync(p, keyTarget(sshd, p), { excludeList: files });
    expect(again).toEqual({ filesSent: 0, bytesSent: 0 });
  });

  it('creates a nested remote_dir (with a space and a quote) that does not exist yet', async () => {
    const p = project();
    write(p.root, 'a.txt', 'x');
    const remoteDir = path.join(p.remoteDir, "deep/it's here/proj");
    expect(fs.existsSync(path.dirname(remoteDir))).toBe(false);
    await sync(p, keyTarget(sshd, p), { remoteDir });
    expect(fs.readFileSync(path.join(remoteDir, 'a.txt'), 'utf8')).toBe('x');
  });

  it("reads the user's ~/.ssh/config, but mtr's own settings win", async () => {
    const p = project();
    write(p.root, 'a.txt', 'x');
    fs.writeFileSync(path.join(p.home, '.ssh', 'config'), 'Host *\n  Port 1\n  User nobody\n  UserKnownHostsFile /dev/null\n  ServerAliveInterval 1\n');
    await sync(p, keyTarget(sshd, p));
    expect(fs.readFileSync(path.join(p.remoteDir, 'a.txt'), 'utf8')).toBe('x');
  });

  it('fails clearly when the host key is unknown to the known_hosts files', async () => {
    const p = project();
    write(p.root, 'a.txt', 'x');
    const emptyKnownHosts = path.join(p.home, 'empty_known_hosts');
    fs.writeFileSync(emptyKnownHosts, '');
    const error = await sync(p, keyTarget(sshd, p, { knownHostsFiles: [emptyKnownHosts] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/host key of .* is not in known_hosts/);
    expect(fs.existsSync(p.remoteDir)).toBe(false);
  });

  it('is interrupted by its AbortSignal', async () => {
    const p = project();
    write(p.root, 'a.txt', 'x');
    const controller = new AbortController();
    controller.abort();
    await expect(sync(p, keyTarget(sshd, p), { signal: controller.signal })).rejects.toThrow(/interrupted/);
  });

  describe.skipIf(!sshd.password)(`password login${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`, () => {
    const cleanups: string[] = [];
    afterAll(() => cleanups.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    it('syncs through sshpass', async () => {
      const p = project();
      write(p.root, 'a.txt', 'via password\n');
      const result = await sync(p, passwordTarget(sshd, p, sshd.password!.password));
      expect(result.filesSent).toBe(1);
      expect(fs.readFileSync(path.join(p.remoteDir, 'a.txt'), 'utf8')).toBe('via password\n');
      expect(fs.statSync(path.join(p.remoteDir, 'a.txt')).uid).not.toBe(0);
    });

    it('puts `~/…` remote dirs in the login home, created on first sync', async () => {
      const p = project();
      write(p.root, 'a.txt', 'home\n');
      const name = `mtr-e2e-${path.basename(path.dirname(p.root))}`;
      const home = execFileSync('sh', ['-c', `getent passwd ${sshd.password!.user} | cut -d: -f6`], { encoding: 'utf8' }).trim();
      cleanups.push(path.join(home, name));
      await sync(p, passwordTarget(sshd, p, sshd.password!.password), { remoteDir: `~/${name}/my proj` });
      expect(fs.readFileSync(path.join(home, name, 'my proj', 'a.txt'), 'utf8')).toBe('home\n');
    });

    it('reports a wrong password (sshpass exit 5) without echoing it', async () => {
      const p = project();
      write(p.root, 'a.txt', 'x');
      const error = await sync(p, passwordTarget(sshd, p, 'definitely-wrong-pw')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/refused the password/);
      expect(`${(error as Error).message} ${(error as ConnectionError).hint}`).not.toContain('definitely-wrong-pw');
    });

    it('never shows the password in `ps` while a slow transfer runs', async () => {
      const p = project();
      write(p.root, 'big.bin', Buffer.alloc(3 * 1024 * 1024, 7));
      const password = sshd.password!.password;
      const controller = new AbortController();
      const running = sync(p, passwordTarget(sshd, p, password), {
        excludeList: excludes(),
        signal: controller.signal,
        // ~15 s at 200 KB/s (uncompressed): long enough for ps to see every process, then aborted.
        extraArgs: ['--bwlimit=200', '--no-z'],
      }).catch((e: unknown) => e);
      const seen: string[] = [];
      const ps = () => processTable().map((p) => p.args);
      const sawAll = () => ['sshpass -e rsync', 'rsync --server'].every((s) => seen.some((line) => line.includes(s)));
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !sawAll()) {
        seen.push(...ps().filter((line) => /sshpass|rsync|ssh /.test(line)));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      controller.abort();
      const outcome = await running;
      expect(sawAll()).toBe(true);
      expect(seen.filter((line) => line.includes(password))).toEqual([]);
      expect((outcome as Error).message).toMatch(/interrupted/);
      // Aborting ends the whole local chain (sshpass → rsync → ssh), not just its head.
      for (let i = 0; i < 50 && ps().some((line) => line.includes(p.root)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(ps().filter((line) => line.includes(p.root))).toEqual([]);
    });
  });
  describe("over mtr's own connection (the relay)", () => {
    const connections: Host[] = [];
    const connect = async (p: Project) => {
      const server: ServerConfig = {
        name: 'test', host: sshd.host, port: sshd.port, user: sshd.user, keyFilename: sshd.clientKey,
        remoteDir: p.remoteDir, sync: 'rsync', exclude: [], respectGitignore: false, delete: false,
        connectTimeout: 10, strictHostKeyChecking: 'yes', knownHostsFile: path.join(p.home, '.ssh', 'known_hosts'), reuse: false, reuseIdle: 0, deadLinkTimeout: 30,
      };
      const ctx: Context = { cwd: p.root, env: {}, homedir: p.home, stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), stdinIsData: false };
      const connection = await openHost({ kind: 'ssh', server: 'test', target: resolveTarget(server, { homedir: p.home, localUser: sshd.user }), reuse: false }, ctx, nullLogger);
      connections.push(connection);
      return connection;
    };
    afterAll(() => connections.forEach((c) => c.close()));
    const ps = () => processTable().map((p) => p.args);
    const leftovers = async (marker: string) => {
      for (let i = 0; i < 50 && ps().some((line) => line.includes(marker)); i++) await new Promise((r) => setTimeout(r, 100));
      return ps().filter((line) => line.includes(marker));
    };

    it('sends the tree through the open connection (no ssh process), then nothing the second time', async () => {
      const p = project();
      write(p.root, 'dir with space/ünïcødé 🚀.txt', 'unicode\n');
      write(p.root, 'run.sh', '#!/bin/sh\necho hi\n', 0o755);
      write(p.root, 'a/secret.txt', 'excluded\n');
      const connection = await connect(p);
      const seen: string[] = [];
      const watching = setInterval(() => seen.push(...ps().filter((line) => line.includes(p.remoteDir))), 5);
      try {
        const result = await sync(p, keyTarget(sshd, p), { excludeList: excludes('/a/secret.txt'), tunnel: connection });
        expect(result.filesSent).toBe(2);
      } finally {
        clearInterval(watching);
      }
      expect(fs.readFileSync(path.join(p.remoteDir, 'dir with space/ünïcødé 🚀.txt'), 'utf8')).toBe('unicode\n');
      expect(fs.statSync(path.join(p.remoteDir, 'run.sh')).mode & 0o777).toBe(0o755);
      expect(fs.existsSync(path.join(p.remoteDir, 'a/secret.txt'))).toBe(false);
      // Whatever ps caught of this sync: never an ssh process carrying it.
      expect(seen.filter((line) => /^(sshpass|ssh) /.test(line))).toEqual([]);
      expect(await sync(p, keyTarget(sshd, p), { excludeList: excludes('/a/secret.txt'), tunnel: connection })).toEqual({ filesSent: 0, bytesSent: 0 });
      expect(await leftovers(p.root)).toEqual([]);
    });

    it('a connection dropped mid-transfer: ConnectionError, no half file under its real name, nothing left running', async () => {
      const p = project();
      write(p.root, 'big.bin', Buffer.alloc(4 * 1024 * 1024, 7));
      const connection = await connect(p);
      const running = sync(p, keyTarget(sshd, p), { excludeList: excludes(), tunnel: connection, extraArgs: ['--bwlimit=200', '--no-z'] }).catch((e: unknown) => e);
      // Drop the link once the server side is writing: its temp file (.big.bin.XXXXXX) has bytes.
      const writing = () => fs.existsSync(p.remoteDir) && fs.readdirSync(p.remoteDir).some((n) => n.startsWith('.big.bin.') && fs.statSync(path.join(p.remoteDir, n)).size > 0);
      await eventually('the server side to write big.bin', writing);
      connection.destroy();
      const error = await running;
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/connection to .* dropped during the transfer \(rsync\)/);
      expect((error as ConnectionError).exitCode).toBe(255);
      expect(fs.existsSync(path.join(p.remoteDir, 'big.bin'))).toBe(false);
      expect(await leftovers(p.root)).toEqual([]);
    });

    it('is interrupted by its AbortSignal, and ends rsync, the relay and the remote side', async () => {
      const p = project();
      write(p.root, 'big.bin', Buffer.alloc(4 * 1024 * 1024, 7));
      const connection = await connect(p);
      const controller = new AbortController();
      const running = sync(p, keyTarget(sshd, p), { excludeList: excludes(), tunnel: connection, signal: controller.signal, extraArgs: ['--bwlimit=200', '--no-z'] }).catch((e: unknown) => e);
      for (let i = 0; i < 200 && !ps().some((line) => line.includes('rsync --server') && line.includes(p.remoteDir)); i++) await new Promise((r) => setTimeout(r, 25));
      expect(ps().some((line) => /^rsync .*mtr-rsh/.test(line) && line.includes(p.root))).toBe(true);
      controller.abort();
      expect(((await running) as Error).message).toMatch(/interrupted/);
      expect(await leftovers(p.root)).toEqual([]);
      expect(await leftovers(p.remoteDir)).toEqual([]);
    });
  });
});
