// Issue 19 item 5: an edit that keeps a file's size, made within the same second as the last sync,
// must still be sent. The issue's exact sequence (`echo aaaa1 > f; mtr true; echo bbbb1 > f;
// mtr true; mtr cat f`), repeated and started at the top of a wall second so the two writes share
// their mtime second; then the same race made certain (a file dated in the future: every later
// edit within that second shares it). For SFTP, for rsync comparing nanoseconds (this machine's
// rsync and file systems can), and for rsync comparing whole seconds (a local rsync that says it is
// 3.1.2, too old for nanoseconds: the sync record's second look must catch it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';
import { eventually } from '../support/eventually.js';

/** The sequence runs until this many rounds fit in one wall second, or MAX_ROUNDS. */
const SAME_SECOND_ROUNDS = 2;
const MAX_ROUNDS = 6;

const stateDir = (p: Project) => path.join(p.root, '.mtr', 'sync-state');
const records = (p: Project): Record<string, string> =>
  Object.fromEntries((fs.existsSync(stateDir(p)) ? fs.readdirSync(stateDir(p)) : []).map((name) => [name, fs.readFileSync(path.join(stateDir(p), name), 'utf8')]));
const mtimeSecond = (file: string) => Math.floor(fs.statSync(file).mtimeMs / 1000);

interface Variant {
  name: string;
  engine: 'rsync' | 'sftp';
  /** A folder put first on PATH (the old-rsync stand-in), made in beforeAll. */
  oldRsync?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'sftp', engine: 'sftp' },
  { name: 'rsync (nanoseconds)', engine: 'rsync' },
  { name: 'rsync 3.1.2 (whole seconds)', engine: 'rsync', oldRsync: true },
];

describeE2E('a quick edit is always sent', (sshd) => {
  let shimDir = '';
  beforeAll(() => {
    // rsync as 3.1.2 would be: it says so, and mtr then does not ask for --modify-window=-1.
    const real = execFileSync('sh', ['-c', 'command -v rsync'], { encoding: 'utf8' }).trim();
    shimDir = fs.mkdtempSync(path.join(sshd.localRoot, 'old-rsync-'));
    fs.writeFileSync(
      path.join(shimDir, 'rsync'),
      `#!/bin/sh\nif [ "$1" = --version ]; then echo 'rsync  version 3.1.2  protocol version 31'; exit 0; fi\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
  });

  describe.each(VARIANTS)('$name', (variant) => {
    const setup = () => {
      const otherBase = fs.mkdtempSync(path.join(sshd.remoteRoot, 'other-'));
      fs.chmodSync(otherBase, 0o777);
      const servers = { test: { sync: variant.engine }, other: { sync: variant.engine, remote_dir: path.join(otherBase, 'project') } };
      const p = makeProject({ sshd, servers, files: { 'other.txt': 'x\n' } });
      const env: Record<string, string> = variant.oldRsync ? { PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}` } : {};
      const ok = async (args: string[]): Promise<string> => {
        const result = await p.run(args, { env });
        expect(result.code, result.stderr).toBe(0);
        return result.stdout;
      };
      return { p, env, ok, f: path.join(p.root, 'f') };
    };

    // The issue's own words, for the two engines as they run here (the whole-seconds rsync is the
    // next test's business).
    const alsoFor = variant.oldRsync ? () => undefined : it;
    alsoFor("the issue's sequence, repeated: mtr cat f prints the second edit", async (ctx) => {
      const { ok, f } = setup();
      let sameSecond = 0;
      for (let round = 0; round < MAX_ROUNDS && sameSecond < SAME_SECOND_ROUNDS; round++) {
        // Start just after a second begins: the whole sequence then usually fits in that second.
        await eventually('the start of a wall second', () => Date.now() % 1000 < 150, 2000, 5);
        fs.writeFileSync(f, `aaaa${round}\n`);
        const first = mtimeSecond(f);
        await ok(['true']);
        fs.writeFileSync(f, `bbbb${round}\n`);
        if (mtimeSecond(f) === first) sameSecond++;
        await ok(['true']);
        expect(await ok(['cat', 'f']), `round ${round}`).toBe(`bbbb${round}\n`);
      }
      // Without one round inside one second this test could not have failed: it says so instead of
      // passing (the next test makes the same race certain). Under CI that is a failure.
      if (sameSecond === 0) {
        const why = `no round's two writes shared a wall second (one mtr run took over a second here): the race was not reproduced`;
        if (process.env.CI === 'true') expect.fail(why);
        ctx.skip(why);
      }
    }, 90_000);

    it("an edit within a file's (future) mtime second is sent, every time; unchanged, nothing is", async () => {
      const { p, env, ok, f } = setup();
      const future = Math.floor(Date.now() / 1000) + 3600;
      for (let round = 0; round < 2; round++) {
        fs.writeFileSync(f, `aaaa${round}\n`);
        fs.utimesSync(f, future, future + 0.25);
        await ok(['-q', 'true']);
        // Written after that sync began: its time (still that future second) is no older than the sync.
        fs.writeFileSync(f, `bbbb${round}\n`);
        fs.utimesSync(f, future, future + 0.5);
        await ok(['-q', 'true']);
        expect(fs.readFileSync(path.join(p.remoteDir, 'f'), 'utf8'), `round ${round}`).toBe(`bbbb${round}\n`);
      }
      // Dated in the past again and sent once, f is left alone: nothing is sent, no second look.
      fs.utimesSync(f, future - 7200, future - 7200);
      await ok(['-q', 'true']);
      const log = path.join(p.home, 'quiet.log');
      const quiet = await p.run(['--log-file', log, 'true'], { env });
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stderr).toBe('');
      const text = fs.readFileSync(log, 'utf8');
      expect(text).not.toMatch(/comparing them by checksum/);
      if (variant.engine === 'rsync') expect(text.includes('--modify-window=-1')).toBe(!variant.oldRsync);
      // Asked once, after the first sync: this server keeps nanoseconds.
      const recorded = Object.values(records(p)).map((json) => JSON.parse(json) as { rsyncNs?: boolean });
      expect(recorded.map((r) => r.rsyncNs)).toEqual([variant.engine === 'rsync' && !variant.oldRsync ? true : undefined]);
    }, 60_000);

    alsoFor('a failed sync records nothing; each target keeps its own record', async () => {
      const { p, ok } = setup();
      await ok(['-q', '-s', 'test', 'true']);
      const first = records(p);
      expect(Object.keys(first)).toHaveLength(1);
      await ok(['-q', '-s', 'other', 'true']);
      const both = records(p);
      expect(Object.keys(both)).toHaveLength(2);
      // Syncing `other` left the first target's record alone.
      for (const [name, text] of Object.entries(first)) expect(both[name]).toBe(text);
      // remote_dir replaced by a file: the sync fails and the records stay as they were.
      fs.rmSync(p.remoteDir, { recursive: true });
      fs.writeFileSync(p.remoteDir, 'not a directory');
      fs.writeFileSync(path.join(p.root, 'f'), 'y\n');
      const failed = await p.run(['-q', '-s', 'test', 'true']);
      expect(failed.code).not.toBe(0);
      expect(records(p)).toEqual(both);
    }, 60_000);
  });
});
