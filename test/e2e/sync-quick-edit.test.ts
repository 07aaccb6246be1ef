// Issue 19 item 5: an edit that keeps a file's size, made within the same mtime second as the last
// sync, must still be sent. The issue's own sequence (`echo aaaa1 > f; mtr true; echo bbbb1 > f;
// mtr true; mtr cat f`), round after round, for SFTP, for rsync comparing nanoseconds, and for rsyncs that
// compare whole seconds (the sync record's second look must catch it); then watch mode. The race is made
// certain rather than hoped for: both writes of a round are dated in one second (in the future, so
// the second write is, as any real edit would be, no older than the sync before it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';
import { eventually, sleep } from '../support/eventually.js';

// The race is certain in every round (both writes dated in one second), so a few rounds prove as
// much as the ten: each still starts from the state the round before left.
const ROUNDS = 4;
/** Future seconds to date the edits in: far enough ahead that no clock reaches them during the test. */
const future = (round: number) => Math.floor(Date.now() / 1000) + 3 * 86_400 + round * 10;

/** Writes `content` to `file` and dates it `second + fraction` (the race, made certain). */
function edit(file: string, content: string, second: number, fraction: number): void {
  fs.writeFileSync(file, content);
  fs.utimesSync(file, second, second + fraction);
}

const stateDir = (p: Project) => path.join(p.root, '.mtr', 'sync-state');
const records = (p: Project): Record<string, string> =>
  Object.fromEntries((fs.existsSync(stateDir(p)) ? fs.readdirSync(stateDir(p)).filter((n) => n.endsWith('.json')) : []).map((n) => [n, fs.readFileSync(path.join(stateDir(p), n), 'utf8')]));
const readOr = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');

interface Variant {
  name: string;
  engine: 'rsync' | 'sftp';
  /** rsync claims to be this version (a shim first on PATH runs the real one). */
  claims?: string;
}

const VARIANTS: Variant[] = [
  { name: 'sync: sftp', engine: 'sftp' },
  // This machine's rsync and file systems keep nanoseconds: after the first sync asks, rsync compares them.
  { name: 'sync: rsync (nanoseconds)', engine: 'rsync' },
  // Too old for --modify-window=-1: whole seconds, and the second look for the doubtful files.
  { name: 'sync: rsync 3.1.2 (whole seconds)', engine: 'rsync', claims: 'rsync  version 3.1.2  protocol version 31' },
  // Too old even to name the files it sent: every file changed since the last sync gets the second look.
  { name: 'sync: rsync 2.6.9 (no names)', engine: 'rsync', claims: 'rsync  version 2.6.9  protocol version 29' },
];

describeE2E('a quick edit is always sent', (sshd) => {
  let shimDir = '';
  beforeAll(() => {
    const real = execFileSync('sh', ['-c', 'command -v rsync'], { encoding: 'utf8' }).trim();
    shimDir = fs.mkdtempSync(path.join(sshd.localRoot, 'rsync-shim-'));
    fs.writeFileSync(
      path.join(shimDir, 'rsync'),
      `#!/bin/sh\nif [ "$1" = --version ]; then echo "$MTR_TEST_RSYNC_CLAIMS"; exit 0; fi\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
  });

  describe.each(VARIANTS)('$name', (variant) => {
    const setup = () => {
      const otherBase = fs.mkdtempSync(path.join(sshd.remoteRoot, 'other-'));
      fs.chmodSync(otherBase, 0o777);
      const servers = { test: { sync: variant.engine }, other: { sync: variant.engine, remote_dir: path.join(otherBase, 'project') } };
      const p = makeProject({ sshd, servers, files: { 'other.txt': 'x\n' } });
      const env: Record<string, string> = variant.claims ? { PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, MTR_TEST_RSYNC_CLAIMS: variant.claims } : {};
      const ok = async (args: string[]): Promise<string> => {
        const result = await p.run(args, { env });
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toBe('');
        return result.stdout;
      };
      return { p, env, ok, f: path.join(p.root, 'f') };
    };

    it(`the issue's sequence, ${ROUNDS} times: mtr cat f prints the second edit`, async () => {
      const { ok, f } = setup();
      for (let round = 0; round < ROUNDS; round++) {
        const second = future(round);
        edit(f, `aaaa${round}\n`, second, 0.1);
        await ok(['true']);
        edit(f, `bbbb${round}\n`, second, 0.6);
        await ok(['true']);
        expect(await ok(['cat', 'f']), `round ${round}`).toBe(`bbbb${round}\n`);
      }
    }, 180_000);

    it('an unchanged tree costs one rsync pass and no second look; a failed sync records nothing', async () => {
      const { p, env, ok, f } = setup();
      edit(f, 'aaaa\n', future(0), 0.1);
      await ok(['-s', 'test', 'true']);
      // f was sent by that sync (dated before the next one begins): nothing is doubtful now.
      fs.utimesSync(f, future(0) - 7 * 86_400, future(0) - 7 * 86_400);
      await ok(['-s', 'test', 'true']);
      const log = path.join(p.home, 'quiet.log');
      const quiet = await p.run(['-s', 'test', '--log-file', log, 'true'], { env });
      expect(quiet.code, quiet.stderr).toBe(0);
      const text = fs.readFileSync(log, 'utf8');
      expect(text).not.toMatch(/comparing them by checksum/);
      if (variant.engine === 'rsync') expect(text.match(/sync: (?:sshpass -e )?rsync /g) ?? []).toHaveLength(1);
      if (variant.engine === 'rsync') expect(text.includes('--modify-window=-1')).toBe(!variant.claims);
      // One record per target, and another target's sync leaves it alone. Asked once, at the first
      // rsync sync able to use the answer: this server keeps nanoseconds.
      const first = records(p);
      expect(Object.values(first).map((json) => (JSON.parse(json) as { rsyncNs?: boolean }).rsyncNs)).toEqual([variant.engine === 'rsync' && !variant.claims ? true : undefined]);
      expect(text).not.toMatch(/nanosecond mtimes on this target/);
      await ok(['-s', 'other', 'true']);
      const both = records(p);
      expect(Object.keys(both)).toHaveLength(2);
      for (const [name, json] of Object.entries(first)) expect(both[name]).toBe(json);
      expect(fs.statSync(stateDir(p)).mode & 0o777).toBe(0o700);
      // remote_dir replaced by a file: the sync fails and the records stay as they were.
      fs.rmSync(p.remoteDir, { recursive: true });
      fs.writeFileSync(p.remoteDir, 'not a directory');
      fs.writeFileSync(f, 'y\n');
      const failed = await p.run(['-s', 'test', 'true'], { env });
      expect(failed.code).not.toBe(0);
      expect(records(p)).toEqual(both);
    }, 60_000);
  });

  describe('watch mode', () => {
    it('a same-second edit made while nobody watched is sent at start; every one while watching too', async () => {
      const p = makeProject({ sshd, servers: { test: { sync: 'rsync' } }, files: { 'f': 'aaaa\n' } });
      const f = path.join(p.root, 'f');
      const remote = path.join(p.remoteDir, 'f');
      const second = future(0);
      for (let round = 0; round < 3; round++) {
        edit(f, `aaaa${round}\n`, second + round, 0.1);
        const run = await p.run(['true']);
        expect(run.code, run.stderr).toBe(0);
        edit(f, `bbbb${round}\n`, second + round, 0.5);
        const watch = await startWatch(p);
        try {
          // The full sync at start sent it.
          expect(readOr(remote), `round ${round}`).toBe(`bbbb${round}\n`);
          for (let i = 0; i < ROUNDS; i++) {
            edit(f, `c${round}cc${i}\n`, second + round, 0.6 + i / 100);
            await eventually(`edit ${i} of round ${round} on the remote`, () => readOr(remote) === `c${round}cc${i}\n`);
          }
          expect(await watch.stop()).toBe(0);
        } finally {
          watch.kill();
        }
      }
    }, 180_000);
  });
});

interface Watching {
  stop(): Promise<number | null>;
  kill(): void;
}

// `mtr --watch` in batch mode, once its "watching" line (after the first full sync) is out.
async function startWatch(p: Project): Promise<Watching> {
  const running = p.spawn(['--watch', '--no-tty'], { timeoutMs: 120_000 });
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
    kill,
    async stop() {
      running.child.kill('SIGINT');
      const result = await Promise.race([running.result, sleep(20_000).then(() => undefined)]);
      if (!result) throw new Error(`mtr --watch did not stop within 20 s after SIGINT:\n${err}`);
      return result.code;
    },
  };
}
