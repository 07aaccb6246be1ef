// The SFTP engine's bundle (src/sync/sftp/bundle.ts): new directories and small new files as one tar
// stream over an exec, unpacked on the server into a private folder and moved into place. Run as a
// user would (the built mtr against the suite's sshd) and at the engine, where a test can cut the
// link in the middle of the stream.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import { openSftp } from '../../src/sync/sftp/session.js';
import { syncViaSftp } from '../../src/sync/sftp/upload.js';
import { eventually } from '../support/eventually.js';
import { makeProject, type Project } from '../support/mtr.js';
import { startSshdWithout, stopSshdWithout, type ReducedSshd } from '../support/sshd-without.js';
import { connectHost, walkTree } from '../support/engine-host.js';
import { describeE2E } from '../support/sshd.js';
import { T, snapshotTree, writeFile } from '../support/tree.js';

const STREAMED = /sync: (\d+) new entries as one tar stream/;
const OVER_SFTP = /sync: (\d+) new entries over SFTP \(the server has no tar, or refused the channel\)/;

// Every kind of new entry a bundle carries, and one it leaves to SFTP (a file over 256 KB).
function buildFixture(root: string): void {
  let i = 0;
  const file = (rel: string, content: string | Buffer, mode = 0o644) => writeFile(root, rel, content, mode, T + 11 * i++);
  for (let n = 0; n < 12; n++) file(`src/pkg${n % 3}/mod${n}.py`, `print(${n})\n`);
  file('README.md', '# bundle\n');
  file('empty-file', '');
  file('bin/run.sh', '#!/bin/sh\necho run\n', 0o755);
  file('private/secret.txt', 'secret\n', 0o600);
  file('ro/readonly.txt', 'read only\n', 0o444);
  file("odd/it's $HOME `x` \\ back.txt", 'quotes\n');
  file('odd/-rf', 'dash\n');
  file('odd/new\nline.txt', 'newline in the name\n');
  file('dir with space/ünïcødé 日本 🚀.txt', 'unicode\n');
  // A path past ustar's 100 bytes (split into its prefix) and a name no split can hold (pax).
  file(`deep/${'a'.repeat(60)}/${'b'.repeat(60)}/c.txt`, 'long path\n');
  file(`long/${'n'.repeat(200)}.txt`, 'long name\n');
  file('sizes/511', Buffer.alloc(511, 1));
  file('sizes/512', Buffer.alloc(512, 2));
  file('sizes/513', Buffer.alloc(513, 3));
  file('data/big.bin', randomBytes(300 * 1024));
  fs.symlinkSync('src/pkg0/mod0.py', path.join(root, 'link-to-mod'));
  fs.symlinkSync(`../${'t'.repeat(150)}`, path.join(root, 'bin/long-target'));
  fs.mkdirSync(path.join(root, 'empty'));
  fs.mkdirSync(path.join(root, 'nested/empty/dir'), { recursive: true });
  fs.chmodSync(path.join(root, 'private'), 0o700);
  fs.chmodSync(path.join(root, 'bin'), 0o750);
  fs.chmodSync(path.join(root, 'ro'), 0o555);
}

const log = (project: Project, name: string) => fs.readFileSync(path.join(project.home, name), 'utf8');

function expectSameTree(project: Project): void {
  const remote = snapshotTree(project.remoteDir);
  expect(remote).toEqual(snapshotTree(project.root, ['.mtr']));
  expect(fs.existsSync(path.join(project.remoteDir, '.mtr-conflicts'))).toBe(false);
}

describeE2E('sftp: new files as one tar stream', (sshd) => {
  let reduced: ReducedSshd | undefined;
  afterAll(async () => {
    await stopSshdWithout(reduced);
    if (reduced) fs.rmSync(reduced.dir, { recursive: true, force: true });
  });

  it('a first sync sends every new entry in one stream; the remote tree is the local one (content, modes, mtimes, links)', async () => {
    const project = makeProject({ sshd, servers: { test: { sync: 'sftp' } } });
    buildFixture(project.root);
    const first = await project.run(['--log-file', path.join(project.home, 'first.log'), 'true']);
    expect(first.code, first.stderr).toBe(0);
    const streamed = STREAMED.exec(log(project, 'first.log'));
    expect(streamed, 'the bundle was used').not.toBeNull();
    // Every directory and every new entry but the big file (SFTP streams that one).
    const local = snapshotTree(project.root, ['.mtr']);
    expect(Number(streamed![1])).toBe(Object.keys(local).length - 1);
    expectSameTree(project);

    // New files into directories the server has (moved per directory), a new directory, an edit.
    for (let n = 0; n < 20; n++) writeFile(project.root, `src/pkg1/new${n}.py`, `new ${n}\n`, 0o640, T + 5000 + n);
    writeFile(project.root, 'top-new.txt', 'at the top\n', 0o644, T + 6000);
    writeFile(project.root, 'fresh/a/b/c.txt', 'fresh\n', 0o644, T + 6001);
    writeFile(project.root, 'README.md', '# bundle, edited\n', 0o644, T + 7000);
    const second = await project.run(['-v', '--log-file', path.join(project.home, 'second.log'), 'true']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^mtr: synced 23 of \d+ files/);
    expect(STREAMED.exec(log(project, 'second.log'))?.[1]).toBe(String(20 + 1 + 3 + 1));
    expectSameTree(project);
  });

  it("a first sync the stream carries whole, through a shared connection: no connection of mtr's own, modes right", async () => {
    const project = makeProject({ sshd, servers: { test: { sync: 'sftp' } } });
    const cold = await project.run(['--no-sync', '--log-file', path.join(project.home, 'cold.log'), 'true']);
    expect(cold.code, cold.stderr).toBe(0);
    const socket = /starting a shared connection in the background: (\S+)/.exec(log(project, 'cold.log'))?.[1];
    expect(socket).toBeDefined();
    await eventually('the shared master', () => spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket!}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0);
    buildFixture(project.root);
    fs.rmSync(path.join(project.root, 'data/big.bin'));
    const first = await project.run(['--log-file', path.join(project.home, 'whole.log'), 'true']);
    expect(first.code, first.stderr).toBe(0);
    const text = log(project, 'whole.log');
    expect(text).toMatch(STREAMED);
    expect(text).toMatch(/ssh request: exec through the shared connection/);
    // mtr's own connection (ssh2) would log its socket and an SFTP channel.
    expect(text).not.toMatch(/Socket connected|sftp channel on mtr's connection/);
    expectSameTree(project);
  });

  it('a server without tar gets the same files over SFTP', async () => {
    reduced = await startSshdWithout(sshd, ['tar']);
    const project = makeProject({ sshd: { ...sshd, port: reduced.port, knownHostsLine: reduced.knownHostsLine }, servers: { test: { sync: 'sftp', reuse: false } } });
    buildFixture(project.root);
    const result = await project.run(['-v', '--log-file', path.join(project.home, 'no-tar.log'), 'true']);
    expect(result.code, result.stderr).toBe(0);
    expect(log(project, 'no-tar.log')).toMatch(OVER_SFTP);
    expect(result.stderr).toMatch(/^mtr: synced 27 of 27 files/);
    expectSameTree(project);

    // One the stream would carry whole (no SFTP planned at all) falls back the same way.
    const whole = makeProject({ sshd: { ...sshd, port: reduced.port, knownHostsLine: reduced.knownHostsLine }, servers: { test: { sync: 'sftp', reuse: false } } });
    buildFixture(whole.root);
    fs.rmSync(path.join(whole.root, 'data/big.bin'));
    const again = await whole.run(['-v', '--log-file', path.join(whole.home, 'no-tar-whole.log'), 'true']);
    expect(again.code, again.stderr).toBe(0);
    expect(log(whole, 'no-tar-whole.log')).toMatch(OVER_SFTP);
    expect(again.stderr).toMatch(/^mtr: synced 26 of 26 files/);
    expectSameTree(whole);
  });
});

// Engine level: where a test can cut the link or hog the server's sessions.
describeE2E('sftp bundle at the engine', (sshd) => {
  // A local project folder, a remote_dir that does not exist yet, and mtr's own connection.
  async function engineSetup(label: string): Promise<{ local: string; remote: string; host: Awaited<ReturnType<typeof connectHost>> }> {
    const home = fs.mkdtempSync(path.join(sshd.localRoot, `${label}-`));
    const remoteParent = fs.mkdtempSync(path.join(sshd.remoteRoot, `${label}-`));
    fs.chmodSync(remoteParent, 0o777);
    const host = await connectHost(sshd, home, { user: sshd.user, key: sshd.clientKey });
    return { local: path.join(home, 'project'), remote: path.join(remoteParent, 'project'), host };
  }

  describe('the link cut during the stream', () => {
    it('fails with ConnectionError 255; no entry reaches its real name, and the server removes its folder', async () => {
      const { local, remote, host } = await engineSetup('bundle-cut');
      // Enough incompressible data that the stream is still going when the link goes.
      for (let n = 0; n < 400; n++) writeFile(local, `d${n % 8}/f${n}.bin`, randomBytes(200 * 1024));
      const error = await syncViaSftp({
        host,
        root: local,
        tree: walkTree(local),
        remoteDir: remote,
        onProgress: (p) => p.files === 50 && host.destroy(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).exitCode).toBe(255);
      // Only remote_dir itself was made; nothing else got a real name.
      expect(fs.readdirSync(remote).filter((n) => n !== '.mtr-conflicts')).toEqual([]);
      // The server's tar sees the stream end short and the script removes what it unpacked.
      await eventually('the server to remove its unpack folder', () => !fs.existsSync(path.join(remote, '.mtr-conflicts')), 10_000);
    });

    it('a server that refuses the bundle\'s channel (MaxSessions) gets the files over SFTP', async () => {
      const { local, remote, host } = await engineSetup('bundle-sessions');
      for (let n = 0; n < 40; n++) writeFile(local, `d${n % 4}/f${n}.txt`, `file ${n}\n`, 0o644, T + n);
      // One file over the bundle's limit: SFTP has work, so its channel is asked for first (a bundle
      // that carries everything asks for its exec alone; refused, it falls back as without tar).
      writeFile(local, 'big.bin', randomBytes(300 * 1024), 0o644, T + 100);
      try {
        // Every session but one taken: the upload's SFTP channel gets it, the bundle's exec is refused
        // (the listing is given: its exec would be refused too).
        const hogs: Awaited<ReturnType<typeof openSftp>>[] = [];
        for (let next; (next = await openSftp(host).catch(() => undefined)); ) {
          hogs.push(next);
          expect(hogs.length).toBeLessThan(100);
        }
        hogs.pop()?.end();
        // The server frees the slot a moment after the channel closes: until then the upload's own
        // SFTP channel is refused too (nothing is written), so that case is tried again.
        const deadline = Date.now() + 10_000;
        let result: Awaited<ReturnType<typeof syncViaSftp>> | undefined;
        while (!result) {
          result = await syncViaSftp({ host, root: local, tree: walkTree(local), remoteDir: remote, remote: new Map() }).catch((error: Error) => {
            if (!/refused an SFTP channel/.test(error.message) || Date.now() > deadline) throw error;
            return undefined;
          });
          if (!result) await new Promise((r) => setTimeout(r, 50));
        }
        expect(result.bundle).toEqual({ entries: 44, streamed: false });
        expect(result.filesSent).toBe(41);
        expect(snapshotTree(remote)).toEqual(snapshotTree(local));
        for (const hog of hogs) hog.end();
      } finally {
        host.close();
      }
    });
  });
});
