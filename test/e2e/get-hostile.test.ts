// `mtr --get` (sync: sftp) against a lying server (test/support/hostile-sftp-server.ts, a real SSH
// server on loopback): names in its listings that would lead outside the target are refused with one
// error naming the server, before anything is written; nothing lands outside the target. Interrupted
// downloads leave no partial file behind (SIGINT/SIGTERM), and the next download removes what a
// SIGKILL left. The local-symlink cases run against the real OpenSSH server in get.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startHostileSftpServer, type HostileSftpServer } from '../support/hostile-sftp-server.js';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';
import { writeFile } from '../support/tree.js';
import { formatBytes } from '../../src/ui/progress.js';

/** Every path below `dir` (recursive, sorted). */
const listTree = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
/** mtr's temp files anywhere below `dir`. */
const tempsUnder = (dir: string) => listTree(dir).filter((name) => name.includes('.mtr-tmp-'));
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const BIG = randomBytes(1024 * 1024);

describeE2E('mtr --get from a hostile SFTP server', (sshd) => {
  let server: HostileSftpServer;
  beforeEach(async () => {
    server = await startHostileSftpServer(sshd, sshd.remoteRoot);
  });
  afterEach(async () => {
    await server.close();
  });

  // A project whose only server is the hostile one (SFTP, no shared connection left behind).
  const project = (): Project => {
    const p = makeProject({
      sshd: { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine },
      createRemoteDir: true,
      servers: { evil: { sync: 'sftp', reuse: false } },
    });
    writeFile(p.remoteDir, 'data/good.txt', 'good\n');
    writeFile(p.remoteDir, 'data/sub/deep.txt', 'deep\n');
    return p;
  };

  describe('names that would lead outside the target are refused', () => {
    // Where an escaping name would land: a folder of this test, outside the project.
    const victim = () => fs.mkdtempSync(path.join(sshd.localRoot, 'victim-'));

    it.each([
      ['an escape to an absolute folder', (v: string) => `${'../'.repeat(40)}${v.slice(1)}/x.txt`],
      ['a relative escape', () => '../../../x.txt'],
      ['a name with a slash', () => 'sub/x.txt'],
      ['a name with a NUL', () => 'x\u0000.txt'],
      ['an empty name', () => ''],
    ])('%s: one error naming the server, exit 1, nothing written anywhere', async (_what, nameFor) => {
      const p = project();
      const v = victim();
      const name = nameFor(v);
      server.addToListing(path.join(p.remoteDir, 'data', 'sub'), [{ name, type: 'file', content: 'pwned\n' }]);
      const before = listTree(p.root);
      const result = await p.run(['--no-sync', '--get', 'data']);
      expect({ code: result.code, stdout: result.stdout }, result.stderr).toEqual({ code: 1, stdout: '' });
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^mtr: server evil \([^@]+@127\.0\.0\.1:\d+\) listed an unsafe file name /);
      expect(lines[1]).toMatch(/^  fix: /);
      expect(lines[0]).toContain(JSON.stringify(name));
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(listTree(v)).toEqual([]);
      expect(listTree(p.root)).toEqual(before);
      expect(fs.existsSync(path.join(p.root, '..', 'x.txt'))).toBe(false);
    });

    it('a name listed twice (a file and a directory at once) is refused too', async () => {
      const p = project();
      server.addToListing(path.join(p.remoteDir, 'data'), [{ name: 'good.txt', type: 'dir' }]);
      const result = await p.run(['--no-sync', '--get', 'data']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^mtr: server evil \([^@]+@127\.0\.0\.1:\d+\) listed the name "good\.txt" twice in /);
      expect(fs.existsSync(path.join(p.root, 'data'))).toBe(false);
    });

    it('an honest listing from the same server downloads (the refusals above are about the names)', async () => {
      const p = project();
      const result = await p.run(['--no-sync', '--get', 'data']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: 'mtr: downloaded 2 files (10 B) to data\n' });
      expect(listTree(path.join(p.root, 'data'))).toEqual(['good.txt', 'sub', 'sub/deep.txt']);
    });
  });

  it('a server that answers reads in small pieces (short reads): every file arrives whole', async () => {
    const p = project();
    writeFile(p.remoteDir, 'data/big.bin', BIG);
    server.limitReads(1000);
    const result = await p.run(['--no-sync', '--get', 'data/big.bin']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: `mtr: downloaded 1 file (${formatBytes(BIG.length)}) to big.bin\n` });
    expect(sha(fs.readFileSync(path.join(p.root, 'big.bin')))).toBe(sha(BIG));
  });

  it('a link that drops while the SFTP channel is being set up: a connection error (255), not "the server refused SFTP"', async () => {
    const p = project();
    server.dropOnSftpOpen();
    const result = await p.run(['--no-sync', '--get', 'data']);
    expect(result.code, result.stderr).toBe(255);
    expect(result.stderr).toMatch(/^mtr: .*connection/);
    expect(result.stderr).not.toMatch(/refused an SFTP channel/);
    expect(fs.existsSync(path.join(p.root, 'data'))).toBe(false);
  });

  describe('an interrupted download leaves no partial file', () => {
    // A 1 MB file whose reads stop being answered after 256 KB: mtr is caught mid-file.
    const stalledProject = () => {
      const p = project();
      writeFile(p.remoteDir, 'data/big.bin', BIG);
      server.stallReads(path.join(p.remoteDir, 'data/big.bin'), 256 * 1024);
      return p;
    };
    const startStalled = async (p: Project) => {
      const running = p.spawn(['--no-sync', '--get', 'data']);
      await server.readsHeld();
      await eventually('the partial file', () => tempsUnder(p.root).length === 1);
      return running;
    };

    it.each([
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const)('%s: exit %d, quietly, the partial file removed', async (signal, code) => {
      const p = stalledProject();
      const running = await startStalled(p);
      running.child.kill(signal);
      const result = await running.result;
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code, stdout: '', stderr: '' });
      expect(tempsUnder(p.root)).toEqual([]);
      expect(fs.existsSync(path.join(p.root, 'data/big.bin'))).toBe(false);
    });

    it('a dropped link: exit 255, the partial file removed', async () => {
      const p = stalledProject();
      const running = await startStalled(p);
      server.dropConnections();
      const result = await running.result;
      expect(result.code, result.stderr).toBe(255);
      expect(result.stderr).toMatch(/^mtr: the connection dropped/);
      expect(tempsUnder(p.root)).toEqual([]);
    });

    it("SIGKILL leaves it; the next download into the same target removes it (and only mtr's own temp names)", async () => {
      const p = stalledProject();
      const running = await startStalled(p);
      running.child.kill('SIGKILL');
      await running.result;
      const [left] = tempsUnder(p.root);
      expect(left).toMatch(/^data\/\.big\.bin\.mtr-tmp-[0-9a-f]+$/);
      // Look-alikes that are not mtr's temp names, and a temp name outside the target, stay.
      const keep = ['data/big.bin.mtr-tmp-00000001', 'data/.notes.mtr-tmp', `.x.mtr-tmp-${'0'.repeat(16)}`];
      for (const name of keep) fs.writeFileSync(path.join(p.root, name), 'mine\n');
      server.release();

      const result = await p.run(['--no-sync', '--get', 'data']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: `mtr: downloaded 3 files (${formatBytes(BIG.length + 10)}) to data\n` });
      expect(sha(fs.readFileSync(path.join(p.root, 'data/big.bin')))).toBe(sha(BIG));
      expect(fs.existsSync(path.join(p.root, left!))).toBe(false);
      for (const name of keep) expect(fs.readFileSync(path.join(p.root, name), 'utf8')).toBe('mine\n');
    });
  });
});
