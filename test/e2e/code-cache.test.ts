// The built mtr loads its bundle through V8's code cache (src/boot.ts), kept in the private runtime
// folder. These runs prove a cache is written once, by remote work only, then used as it is; that a
// damaged or foreign cache never changes what a run does; and that it can be turned off.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeProject, runMtr, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

describeE2E('code cache (built binary)', (sshd) => {
  let dir: string;
  let runtime: string;
  let p: Project;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-code-cache-'));
    runtime = path.join(dir, 'run');
    fs.mkdirSync(runtime, { mode: 0o700 });
    p = makeProject({ sshd, files: { 'hello.txt': 'hello\n' } });
  });
  // The runs' shared master and the spare channel its last run left live in this runtime folder:
  // stopped first (a spare's holder removes its own folder as it ends, hence the retries).
  afterEach(() => {
    spawnSync('pkill', ['-f', `${runtime}/`], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  });

  const mtr = (args: string[], env: Record<string, string> = {}) => runMtr(args, { cwd: p.root, env: { ...p.env, XDG_RUNTIME_DIR: runtime, ...env } });
  const cacheFiles = () => fs.readdirSync(path.join(runtime, 'mtr')).filter((name) => name.startsWith('code-')).sort();
  const cachePath = (name: string) => path.join(runtime, 'mtr', name);
  const run = async (env: Record<string, string> = {}) => {
    const result = await mtr(['--no-tty', 'sh', '-c', 'cat hello.txt; echo to-stderr >&2; exit 3'], env);
    expect(result.stderr).toBe('to-stderr\n');
    expect(result.stdout).toBe('hello\n');
    expect(result.code).toBe(3);
  };

  it('is written by the first run, privately, not by --help or a dry run; the next run uses it as it is', async () => {
    expect((await mtr(['--help'])).code).toBe(0);
    expect((await mtr(['--dry-run', 'true'])).code).toBe(0);
    expect(cacheFiles()).toEqual([]);
    await run();
    const [name, ...more] = cacheFiles();
    expect(more).toEqual([]);
    expect(name).toMatch(/^code-[0-9a-f]{16}-[0-9a-f]{16}\.cache$/);
    const written = fs.statSync(cachePath(name!));
    expect(written.mode & 0o777).toBe(0o600);
    expect(written.size).toBeGreaterThan(100_000);
    await run();
    expect((await mtr(['--no-tty', '--jobs'])).code).toBe(0);
    // V8 took it: nothing rewrote it (a refused cache is written again, below).
    const after = fs.statSync(cachePath(name!));
    expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
    expect(cacheFiles()).toEqual([name]);
    expect(fs.readdirSync(path.join(runtime, 'mtr')).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    ['random bytes', (data: Buffer) => Buffer.from(data.map((_, i) => (i * 7919) & 0xff))],
    ['a truncated copy', (data: Buffer) => data.subarray(0, data.length >> 1)],
    ['an empty file', () => Buffer.alloc(0)],
  ])('%s in its place: the run is the same, and a good cache is written again', async (_what, damage) => {
    await run();
    const [name] = cacheFiles();
    const good = fs.readFileSync(cachePath(name!));
    fs.writeFileSync(cachePath(name!), damage(good));
    const damaged = fs.statSync(cachePath(name!));
    await run();
    const rewritten = fs.statSync(cachePath(name!));
    expect(rewritten.ino).not.toBe(damaged.ino);
    expect(rewritten.size).toBeGreaterThan(100_000);
    // And V8 takes the new one: the next run leaves it.
    await run();
    expect(fs.statSync(cachePath(name!)).ino).toBe(rewritten.ino);
  });

  it("replaces the same install's older caches and keeps another install's", async () => {
    await run();
    const [name] = cacheFiles();
    const install = name!.slice(0, name!.lastIndexOf('-') + 1);
    const olderBuild = `${install}0123456789abcdef.cache`;
    const otherInstall = 'code-fedcba9876543210-0123456789abcdef.cache';
    fs.renameSync(cachePath(name!), cachePath(olderBuild));
    fs.writeFileSync(cachePath(otherInstall), 'another install');
    // A killed writer's temp file (an hour old) goes; one being written now (fresh) stays.
    const leftTemp = `${name}.0a0a0a0a0a0a.tmp`;
    const busyTemp = `${name}.0b0b0b0b0b0b.tmp`;
    fs.writeFileSync(cachePath(leftTemp), 'half');
    fs.utimesSync(cachePath(leftTemp), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    fs.writeFileSync(cachePath(busyTemp), 'half');
    await run();
    expect(cacheFiles()).toEqual([name, busyTemp, otherInstall].sort());
  });

  it('is neither read nor written with MTR_CODE_CACHE=0, nor under --debug (stack traces go through the source maps)', async () => {
    await run({ MTR_CODE_CACHE: '0' });
    const debug = await mtr(['--debug', '--no-tty', 'true']);
    expect(debug.code, debug.stderr).toBe(0);
    expect(cacheFiles()).toEqual([]);
    await run();
    const [name] = cacheFiles();
    fs.writeFileSync(cachePath(name!), 'not a cache');
    await run({ MTR_CODE_CACHE: '0' });
    expect(fs.readFileSync(cachePath(name!), 'utf8')).toBe('not a cache');
  });

  it('is skipped, silently, when the runtime folder cannot be made private', async () => {
    const notAFolder = path.join(dir, 'file');
    fs.writeFileSync(notAFolder, '');
    await run({ XDG_RUNTIME_DIR: notAFolder });
    expect(fs.readFileSync(notAFolder, 'utf8')).toBe('');
  });
});
