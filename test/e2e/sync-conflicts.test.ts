// Issue 18 item 4: a file changed on the server since mtr last synced it is never overwritten
// silently. Edits are made on the server directly (the "remote" is this machine), never through
// mtr; then mtr runs again: the local version wins, the server's copy is kept under
// .mtr-conflicts/<time>/ in remote_dir, and one stderr line says so. For both engines (and an
// rsync that compares whole seconds), with --delete, and in watch mode.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';
import { eventually, sleep } from '../support/eventually.js';

const NOTICE_ONE = /^mtr: test: (.+) changed on the server since the last sync; kept its version in (\.mtr-conflicts\/[^/]+\/.+)$/;
const NOTICE_MANY = /^mtr: test: (\d+) files changed on the server since the last sync; kept their versions in (\.mtr-conflicts\/[^/]+)\/$/;
const readOr = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
const noticeLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('changed on the server'));

/** Writes on the server side, as `mtr vim` or a job would: now, by the server's clock. */
function editOnServer(p: Project, rel: string, content: string): void {
  fs.writeFileSync(path.join(p.remoteDir, rel), content);
}

/** Every file below the conflicts folder, remote_dir-relative. */
function kept(p: Project): string[] {
  const dir = path.join(p.remoteDir, '.mtr-conflicts');
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((rel) => rel.split(path.sep).join('/'))
    .filter((rel) => fs.statSync(path.join(dir, rel)).isFile())
    .map((rel) => `.mtr-conflicts/${rel}`)
    .sort();
}

interface Variant {
  name: string;
  engine: 'rsync' | 'sftp';
  claims?: string;
}

const VARIANTS: Variant[] = [
  { name: 'sync: rsync', engine: 'rsync' },
  { name: 'sync: rsync 3.1.2 (whole seconds)', engine: 'rsync', claims: 'rsync  version 3.1.2  protocol version 31' },
  { name: 'sync: sftp', engine: 'sftp' },
];

describeE2E('edits on the server are kept', (sshd) => {
  let shimDir = '';
  beforeAll(() => {
    const real = execFileSync('sh', ['-c', 'command -v rsync'], { encoding: 'utf8' }).trim();
    shimDir = fs.mkdtempSync(path.join(sshd.localRoot, 'rsync-shim-'));
    fs.writeFileSync(path.join(shimDir, 'rsync'), `#!/bin/sh\nif [ "$1" = --version ]; then echo "$MTR_TEST_RSYNC_CLAIMS"; exit 0; fi\nexec ${real} "$@"\n`, { mode: 0o755 });
  });

  describe.each(VARIANTS)('$name', (variant) => {
    const setup = (files: Record<string, string>) => {
      const p = makeProject({ sshd, servers: { test: { sync: variant.engine } }, files });
      const env: Record<string, string> = variant.claims ? { PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, MTR_TEST_RSYNC_CLAIMS: variant.claims } : {};
      const run = async (args: string[]) => {
        const result = await p.run(args, { env });
        expect(result.code, result.stderr).toBe(0);
        return result;
      };
      return { p, run };
    };

    it('a server edit, then mtr again: the local version wins, the server\'s is kept, said once', async () => {
      const { p, run } = setup({ 'train.py': 'print("local v1")\n', 'src/model.py': 'm1\n', 'README.md': 'r\n' });
      await run(['true']);
      expect(kept(p)).toEqual([]);
      editOnServer(p, 'train.py', 'print("edited on the server")\n');
      editOnServer(p, 'src/model.py', 'm-server\n');
      // One of them edited locally too; the other not: both are put back as they are here.
      fs.writeFileSync(path.join(p.root, 'src', 'model.py'), 'm2\n');
      const second = await run(['cat', 'train.py']);
      expect(second.stdout).toBe('print("local v1")\n');
      expect(readOr(path.join(p.remoteDir, 'src', 'model.py'))).toBe('m2\n');
      const lines = noticeLines(second.stderr);
      expect(lines, second.stderr).toHaveLength(1);
      const many = NOTICE_MANY.exec(lines[0] as string);
      expect(many?.[1], lines[0]).toBe('2');
      const folder = many?.[2] as string;
      expect(kept(p)).toEqual([`${folder}/src/model.py`, `${folder}/train.py`]);
      expect(readOr(path.join(p.remoteDir, folder, 'train.py'))).toBe('print("edited on the server")\n');
      expect(readOr(path.join(p.remoteDir, folder, 'src', 'model.py'))).toBe('m-server\n');
      // Said once: the next run has nothing to say, and the kept copies stay where they are.
      const third = await run(['true']);
      expect(noticeLines(third.stderr)).toEqual([]);
      expect(kept(p)).toHaveLength(2);
      // One file: named, with where its copy is.
      editOnServer(p, 'README.md', 'server readme\n');
      const fourth = await run(['true']);
      const one = NOTICE_ONE.exec(noticeLines(fourth.stderr)[0] ?? '');
      expect(one?.[1], fourth.stderr).toBe('README.md');
      expect(readOr(path.join(p.remoteDir, one?.[2] as string))).toBe('server readme\n');
    }, 60_000);

    it('local edits with no server edit: no notice, no leftover folder; an unchanged tree keeps nothing either', async () => {
      const { p, run } = setup({ 'a.py': 'a1\n', 'b.py': 'b1\n' });
      await run(['true']);
      for (let i = 2; i <= 4; i++) {
        fs.writeFileSync(path.join(p.root, 'a.py'), `a${i} longer\n`.repeat(i));
        const result = await run(['cat', 'a.py']);
        expect(result.stdout).toBe(`a${i} longer\n`.repeat(i));
        expect(noticeLines(result.stderr)).toEqual([]);
      }
      const log = path.join(p.home, 'unchanged.log');
      const unchanged = await run(['--log-file', log, 'true']);
      expect(unchanged.stderr).toBe('');
      expect(fs.existsSync(path.join(p.remoteDir, '.mtr-conflicts'))).toBe(false);
      // No extra remote command for an unchanged tree: the sorting-out rides rsync's own.
      expect(fs.readFileSync(log, 'utf8')).not.toMatch(/nanosecond mtimes on this target/);
    }, 60_000);

    it('--delete never removes a file edited on the server: it is kept; the others go', async () => {
      const { p, run } = setup({ 'keep.py': 'k\n', 'gone.py': 'g\n', 'edited.py': 'e\n', 'sub/edited2.py': 'e2\n' });
      await run(['--delete', 'true']);
      editOnServer(p, 'edited.py', 'server e\n');
      editOnServer(p, 'sub/edited2.py', 'server e2\n');
      for (const rel of ['gone.py', 'edited.py', 'sub/edited2.py']) fs.rmSync(path.join(p.root, rel));
      const result = await run(['--delete', 'true']);
      expect(fs.existsSync(path.join(p.remoteDir, 'gone.py'))).toBe(false);
      expect(fs.existsSync(path.join(p.remoteDir, 'edited.py'))).toBe(false);
      const lines = noticeLines(result.stderr);
      expect(lines, result.stderr).toHaveLength(1);
      const folder = NOTICE_MANY.exec(lines[0] as string)?.[2] as string;
      expect(kept(p)).toEqual([`${folder}/edited.py`, `${folder}/sub/edited2.py`]);
      expect(readOr(path.join(p.remoteDir, folder, 'sub', 'edited2.py'))).toBe('server e2\n');
      // The conflicts folder itself is never deleted (nor synced), whatever --delete says.
      const again = await run(['--delete', 'true']);
      expect(noticeLines(again.stderr)).toEqual([]);
      expect(kept(p)).toHaveLength(2);
      expect(readOr(path.join(p.remoteDir, 'keep.py'))).toBe('k\n');
    }, 60_000);
  });

  it('a local .mtr-conflicts folder is never sent', async () => {
    const p = makeProject({ sshd, files: { 'a.py': 'a\n', '.mtr-conflicts/x/a.py': 'old\n', 'sub/.mtr-conflicts/b.py': 'b\n' } });
    const result = await p.run(['true']);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(p.remoteDir, '.mtr-conflicts'))).toBe(false);
    expect(readOr(path.join(p.remoteDir, 'sub', '.mtr-conflicts', 'b.py'))).toBe('b\n');
  }, 30_000);

  describe('watch mode', () => {
    it('a server edit is kept before the watcher sends the local one; a deletion of one too', async () => {
      const p = makeProject({ sshd, files: { 'train.py': 'v1\n', 'other.py': 'o1\n', 'gone.py': 'g\n' } });
      const watch = await startWatch(p, ['--delete']);
      try {
        // A plain edit: no notice.
        fs.writeFileSync(path.join(p.root, 'other.py'), 'o2\n');
        await eventually('other.py on the server', () => readOr(path.join(p.remoteDir, 'other.py')) === 'o2\n');
        editOnServer(p, 'train.py', 'server edit\n');
        editOnServer(p, 'gone.py', 'server g\n');
        fs.writeFileSync(path.join(p.root, 'train.py'), 'v2\n');
        await eventually('train.py on the server', () => readOr(path.join(p.remoteDir, 'train.py')) === 'v2\n');
        fs.rmSync(path.join(p.root, 'gone.py'));
        await eventually('gone.py off the server', () => !fs.existsSync(path.join(p.remoteDir, 'gone.py')));
        await eventually('two notices', () => noticeLines(watch.stderr()).length === 2, 10_000).catch((error: Error) => {
          throw new Error(`${error.message}\n${watch.stderr()}`);
        });
        const [first, second] = noticeLines(watch.stderr()).map((line) => NOTICE_ONE.exec(line));
        expect(first?.[1], watch.stderr()).toBe('train.py');
        expect(second?.[1], watch.stderr()).toBe('gone.py');
        expect(readOr(path.join(p.remoteDir, first?.[2] as string))).toBe('server edit\n');
        expect(readOr(path.join(p.remoteDir, second?.[2] as string))).toBe('server g\n');
        // Its own uploads are not the server's: editing train.py again keeps nothing more.
        fs.writeFileSync(path.join(p.root, 'train.py'), 'v3\n');
        await eventually('train.py v3 on the server', () => readOr(path.join(p.remoteDir, 'train.py')) === 'v3\n');
        fs.writeFileSync(path.join(p.root, 'other.py'), 'o3\n');
        await eventually('other.py o3 on the server', () => readOr(path.join(p.remoteDir, 'other.py')) === 'o3\n');
        expect(kept(p)).toHaveLength(2);
        expect(await watch.stop()).toBe(0);
      } finally {
        watch.kill();
      }
      // And after watching, plain runs find nothing of the watcher's to keep (the first compares
      // whole seconds, as the watcher's SFTP set them; the next nanoseconds again).
      for (let i = 0; i < 2; i++) {
        const after = await p.run(['--delete', '--log-file', path.join(p.home, `after-${i}.log`), 'true']);
        expect(after.code, after.stderr).toBe(0);
        expect(noticeLines(after.stderr)).toEqual([]);
        expect(fs.readFileSync(path.join(p.home, `after-${i}.log`), 'utf8').includes('--modify-window=-1')).toBe(i === 1);
      }
      expect(kept(p)).toHaveLength(2);
    }, 90_000);
  });
});

interface Watching {
  stderr(): string;
  stop(): Promise<number | null>;
  kill(): void;
}

// `mtr --watch` in batch mode, once its "watching" line (after the first full sync) is out.
async function startWatch(p: Project, args: string[]): Promise<Watching> {
  const running = p.spawn(['--watch', '--no-tty', ...args], { timeoutMs: 120_000 });
  let err = '';
  running.child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const kill = () => {
    if (running.child.exitCode !== null || !running.child.pid) return;
    try {
      process.kill(-running.child.pid, 'SIGKILL');
    } catch {
      running.child.kill('SIGKILL');
    }
  };
  try {
    await eventually('the "watching" line', () => /mtr: watching /.test(err) || running.child.exitCode !== null, 30_000);
  } catch (error) {
    kill();
    throw error;
  }
  if (running.child.exitCode !== null) throw new Error(`mtr --watch exited early (${running.child.exitCode}):\n${err}`);
  return {
    stderr: () => err,
    kill,
    async stop() {
      running.child.kill('SIGINT');
      const result = await Promise.race([running.result, sleep(20_000).then(() => undefined)]);
      if (!result) throw new Error(`mtr --watch did not stop within 20 s after SIGINT:\n${err}`);
      return result.code;
    },
  };
}
