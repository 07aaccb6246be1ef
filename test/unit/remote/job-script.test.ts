// The job-layer scripts are pure strings, so they are tested the only way that proves them: run by a
// real local shell (bash, and /bin/sh = dash) with a real tmux, in a throwaway HOME. tmux gets its own
// TMUX_TMPDIR, so `tmux -L mtr` here never meets the user's own mtr server.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildLaunchScript,
  buildLogsScript,
  buildPruneLine,
  buildStreamScript,
  LOGS_READ_FAILED,
  buildWrapper,
  KEEP_FINISHED_JOBS,
  PRUNE_SLACK,
  type LaunchOptions,
  type StartSpec,
} from '../../../src/remote/job-script.js';

const BATCH = { interactive: false, stdinFifo: false } as const;
const STREAM: LaunchOptions = { stream: { feedStdin: false } };

// Absolute paths: a row may run with a PATH that has no shell on it.
const SHELLS = [
  ['bash', spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim()],
  ['sh (dash)', '/bin/sh'],
] as const;

interface Run {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
}

interface Box {
  home: string;
  jobs: string;
  env: Record<string, string>;
}

// Runs `script` with `shell -c`, holding stdin open (as mtr's client does) until the shell exits:
// EOF on stdin tells the streamer its client is gone. Killed after `timeoutMs`, output kept.
function runScript(shell: string, script: string, env: Record<string, string>, timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ['-c', script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', () => child.stdin.end());
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const run = { stdout: Buffer.concat(out), stderr: Buffer.concat(err), code };
      if (signal) reject(new Error(`${shell} -c <script> died of ${signal}; stdout: ${JSON.stringify(run.stdout.toString())}, stderr: ${JSON.stringify(run.stderr.toString())}`));
      else resolve(run);
    });
  });
}

const jobName = () => `t-${randomBytes(4).toString('hex')}`;
const spec = (name: string, script: string, metaJson = '{"n":1}'): StartSpec => ({ name, script, metaJson, wrapper: BATCH });
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

let box: Box;
const boxes: string[] = [];

beforeAll(() => {
  const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (tmux.error || tmux.status !== 0) {
    throw new Error(`tmux is required by job-script.test.ts (it runs the job scripts for real) but \`tmux -V\` failed: ${tmux.error?.message ?? tmux.stderr}`);
  }
});

beforeEach(() => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-js-'));
  boxes.push(root);
  const home = path.join(root, 'home');
  const tmuxDir = path.join(root, 'tmux');
  fs.mkdirSync(home);
  fs.mkdirSync(tmuxDir);
  box = {
    home,
    jobs: path.join(home, '.mtr', 'jobs'),
    env: { HOME: home, PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', TMUX_TMPDIR: tmuxDir, LANG: 'C.UTF-8' },
  };
});

afterEach(() => {
  spawnSync('tmux', ['-L', 'mtr', 'kill-server'], { env: box.env, stdio: 'ignore' });
  for (const root of boxes.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

describe.each(SHELLS)('buildLaunchScript + stream, run by %s', (_label, shell) => {
  // stat -c is GNU/BusyBox; elsewhere the size reader falls back to wc. A fake stat that fails (and
  // leaves a mark, so the row proves the fallback ran) stands in for BSD.
  const sizeReaders = [
    { reader: 'stat -c', fakeStat: false },
    { reader: 'wc (stat fails)', fakeStat: true },
  ];
  const withSizeReader = (fakeStat: boolean): { env: Record<string, string>; mark: string } => {
    const bin = path.join(box.home, 'fake-bin');
    const mark = path.join(box.home, 'stat-was-called');
    if (!fakeStat) return { env: box.env, mark };
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'stat'), `#!/bin/sh\n: >>'${mark}'\nexit 1\n`, { mode: 0o755 });
    return { env: { ...box.env, PATH: `${bin}:${box.env.PATH}` }, mark };
  };

  it.each(sizeReaders)('batch job via $reader: S + exact stdout, exact stderr, its exit code, a complete job dir', async ({ fakeStat }) => {
    const { env, mark } = withSizeReader(fakeStat);
    const name = jobName();
    const job = spec(name, "echo out1\necho err1 >&2\nprintf 'partial'\nprintf 'e2' >&2\nexit 3");
    const run = await runScript(shell, buildLaunchScript(job, STREAM), env);

    expect(run.stdout.toString()).toBe('Sout1\npartial');
    expect(run.stderr.toString()).toBe('err1\ne2');
    expect(run.code).toBe(3);
    expect(fs.existsSync(mark)).toBe(fakeStat);

    const dir = path.join(box.jobs, name);
    expect(fs.readdirSync(dir).sort()).toEqual(['ended', 'err', 'meta.json', 'out', 'pid', 'rc', 'run.sh', 'wrap.sh']);
    const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
    expect(read('rc')).toBe('3\n');
    expect(read('out')).toBe('out1\npartial');
    expect(read('err')).toBe('err1\ne2');
    expect(read('meta.json')).toBe('{"n":1}\n');
    // The command gets the caller's umask back; everything else is private.
    expect(read('run.sh')).toBe(`umask ${process.umask().toString(8).padStart(4, '0')}\n${job.script}\n`);
    const modeOf = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
    expect([box.home + '/.mtr', box.jobs, dir].map(modeOf)).toEqual(['700', '700', '700']);
    expect(fs.readdirSync(dir).map((f) => `${f} ${modeOf(path.join(dir, f))}`)).toEqual(fs.readdirSync(dir).map((f) => `${f} 600`));
    expect(read('wrap.sh')).toBe(`${buildWrapper(BATCH)}\n`);
    expect(read('ended')).toMatch(/^\d+\n$/);
    expect(read('pid')).toMatch(/^\d+\n$/);
  });

  it.each(sizeReaders)('output over many polls via $reader arrives byte-exact and in order, binary included', async ({ fakeStat }) => {
    const { env } = withSizeReader(fakeStat);
    // 2000 lines in bursts with pauses (so the streamer reads many times, mid-line too), stderr
    // interleaved, a 300 kB block in one go, then NUL, invalid UTF-8 and no final newline.
    const script = [
      'i=1',
      'while [ $i -le 2000 ]; do',
      '  echo "line $i"',
      '  if [ $((i % 250)) = 0 ]; then echo "err $i" >&2; printf "half-"; sleep 0.05; fi',
      '  i=$((i+1))',
      'done',
      'yes abcdefghi | head -c 300000',
      "printf '\\000\\377\\376\\300\\200 end'",
      "printf 'E\\000\\377' >&2",
    ].join('\n');
    let stdout = '';
    let stderr = '';
    for (let i = 1; i <= 2000; i++) {
      stdout += `line ${i}\n`;
      if (i % 250 === 0) {
        stderr += `err ${i}\n`;
        stdout += 'half-';
      }
    }
    stdout += 'abcdefghi\n'.repeat(30_000);
    const run = await runScript(shell, buildLaunchScript(spec(jobName(), script), STREAM), env);

    expect(run.code).toBe(0);
    expectSameBytes(run.stdout, bytes('S', stdout, [0, 0xff, 0xfe, 0xc0, 0x80], ' end'));
    expect(run.stderr).toEqual(bytes(stderr, 'E', [0, 0xff]));
  });

  it('a second launch with the name of a running job prints T, exits 0 and leaves the job alone', async () => {
    const name = jobName();
    const release = path.join(box.home, 'release');
    const first = spec(name, `while [ ! -e '${release}' ]; do sleep 0.05; done\necho first`, '{"first":true}');
    const started = await runScript(shell, buildLaunchScript(first), box.env);
    expect(started).toEqual({ stdout: Buffer.from('S'), stderr: Buffer.alloc(0), code: 0 });

    const second = await runScript(shell, buildLaunchScript(spec(name, 'echo second', '{"first":false}'), STREAM), box.env);
    expect(second).toEqual({ stdout: Buffer.from('T'), stderr: Buffer.alloc(0), code: 0 });

    fs.writeFileSync(release, '');
    const rest = await runScript(shell, buildStreamScript(name, { exitWithJob: true }), box.env);
    expect(rest).toEqual({ stdout: Buffer.from('first\n'), stderr: Buffer.alloc(0), code: 0 });
    expect(fs.readFileSync(path.join(box.jobs, name, 'meta.json'), 'utf8')).toBe('{"first":true}\n');
  });

  it.each([
    { fallback: undefined, stdout: 'N', code: 0 },
    { fallback: `/bin/sh -c 'echo direct; exit 4'`, stdout: 'Ndirect\n', code: 4 },
  ])('without tmux on PATH: fallback $fallback → $stdout, exit $code', async ({ fallback, stdout, code }) => {
    const env = { ...box.env, PATH: path.join(box.home, 'empty-bin') };
    const run = await runScript(shell, buildLaunchScript(spec(jobName(), 'echo never'), { ...STREAM, fallback }), env);
    expect(run).toEqual({ stdout: Buffer.from(stdout), stderr: Buffer.alloc(0), code });
    expect(fs.existsSync(box.jobs)).toBe(false);
  });
});

describe.each(SHELLS)('buildStreamScript on a finished job, run by %s', (_label, shell) => {
  beforeEach(() => {
    const dir = path.join(box.jobs, 'done');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'out'), 'o1\no2\no3\no4\no5\n');
    fs.writeFileSync(path.join(dir, 'err'), 'e1\ne2\ne3\n');
    fs.writeFileSync(path.join(dir, 'rc'), '3\n');
  });

  it.each([
    { opts: { exitWithJob: true }, stdout: 'o1\no2\no3\no4\no5\n', stderr: 'e1\ne2\ne3\n', code: 3 },
    { opts: { exitWithJob: true, tailLines: 2 }, stdout: 'o4\no5\n', stderr: 'e2\ne3\n', code: 3 },
    { opts: { exitWithJob: false, tailLines: 1 }, stdout: 'o5\n', stderr: 'e3\n', code: 0 },
  ])('$opts → all it asks for of out/err, exit $code', async ({ opts, stdout, stderr, code }) => {
    const run = await runScript(shell, buildStreamScript('done', opts), box.env);
    expect(run).toEqual({ stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), code });
  });

  it.each(['out', 'err'])('a job dir that lost its %s file: the other streams intact, no noise', async (lost) => {
    fs.rmSync(path.join(box.jobs, 'done', lost));
    const run = await runScript(shell, buildStreamScript('done', { exitWithJob: true }), box.env);
    expect(run).toEqual({
      stdout: Buffer.from(lost === 'out' ? '' : 'o1\no2\no3\no4\no5\n'),
      stderr: Buffer.from(lost === 'err' ? '' : 'e1\ne2\ne3\n'),
      code: 3,
    });
  });

  it('an unknown job: exit 2 with one line on stderr', async () => {
    const run = await runScript(shell, buildStreamScript('nope', { exitWithJob: true }), box.env);
    expect(run).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.from('mtr: no job named nope\n'), code: 2 });
  });
});

// A read that fails on the server (here: out is a link to /proc/self/mem, whose first byte cannot be
// read, root or not) must never look like success: --logs and --logs --follow end with LOGS_READ_FAILED.
describe.each(SHELLS)('reading a job whose output cannot be read, run by %s', (_label, shell) => {
  beforeEach(() => {
    const dir = path.join(box.jobs, 'bad');
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync('/proc/self/mem', path.join(dir, 'out'));
    fs.writeFileSync(path.join(dir, 'err'), 'e1\ne2\n');
    fs.writeFileSync(path.join(dir, 'rc'), '0\n');
  });

  it.each([
    ['buildLogsScript()', () => buildLogsScript('bad')],
    ['buildLogsScript(tail 1)', () => buildLogsScript('bad', 1)],
    ['buildStreamScript(follow)', () => buildStreamScript('bad', { exitWithJob: false })],
    ['buildStreamScript(follow, tail 1)', () => buildStreamScript('bad', { exitWithJob: false, tailLines: 1 })],
  ])('%s → exit LOGS_READ_FAILED with the server\'s reason on stderr', async (_name, script) => {
    const run = await runScript(shell, script(), box.env);
    expect(run.code).toBe(LOGS_READ_FAILED);
    expect(run.stderr.toString()).toMatch(/Input\/output error/);
  });

  it.each([
    ['buildLogsScript()', () => buildLogsScript('done'), 'o1\no2\n'],
    ['buildLogsScript(tail 1)', () => buildLogsScript('done', 1), 'o2\n'],
    ['buildStreamScript(follow, tail 1)', () => buildStreamScript('done', { exitWithJob: false, tailLines: 1 }), 'o2\n'],
  ])('%s on a readable job (no err file) → exit 0', async (_name, script, stdout) => {
    const dir = path.join(box.jobs, 'done');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'out'), 'o1\no2\n');
    fs.writeFileSync(path.join(dir, 'rc'), '5\n');
    expect(await runScript(shell, script(), box.env)).toEqual({ stdout: Buffer.from(stdout), stderr: Buffer.alloc(0), code: 0 });
  });
});

describe.each(SHELLS)('buildPruneLine, run by %s', (_label, shell) => {
  const LIMIT = KEEP_FINISHED_JOBS + PRUNE_SLACK;

  // `count` finished jobs, returned newest first (by rc mtime) and named the other way round, so
  // name order would keep the wrong ones; plus an older running job (no rc) and the shared tmux.conf.
  function makeJobs(count: number): string[] {
    const base = Math.floor(Date.now() / 1000) - 100_000;
    const names: string[] = [];
    for (let age = 0; age < count; age++) {
      const name = `job-${String(count - age).padStart(3, '0')}`;
      const rc = path.join(box.jobs, name, 'rc');
      fs.mkdirSync(path.dirname(rc), { recursive: true });
      fs.writeFileSync(rc, '0\n');
      fs.utimesSync(rc, base - age * 10, base - age * 10);
      names.push(name);
    }
    fs.mkdirSync(path.join(box.jobs, 'running'), { recursive: true });
    fs.utimesSync(path.join(box.jobs, 'running'), base - 1_000_000, base - 1_000_000);
    fs.writeFileSync(path.join(box.jobs, 'tmux.conf'), '');
    return names;
  }

  it.each([
    { count: 0, kept: 0 },
    { count: KEEP_FINISHED_JOBS, kept: KEEP_FINISHED_JOBS },
    { count: LIMIT, kept: LIMIT },
    { count: LIMIT + 1, kept: KEEP_FINISHED_JOBS },
    { count: LIMIT + 25, kept: KEEP_FINISHED_JOBS },
  ])('$count finished jobs → the newest $kept kept, the running one always', async ({ count, kept }) => {
    const names = makeJobs(count);
    const run = await runScript(shell, `${buildPruneLine()}; wait`, box.env);
    expect(run).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), code: 0 });
    expect(fs.readdirSync(box.jobs).sort()).toEqual([...names.slice(0, kept), 'running', 'tmux.conf'].sort());
  });

  it('no jobs dir at all: nothing to do, no noise', async () => {
    const run = await runScript(shell, `${buildPruneLine()}; wait`, box.env);
    expect(run).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), code: 0 });
  });
});

// toEqual on 300 kB Buffers would dump both on failure: show the bytes around the first difference.
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const around = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, i - 40), i + 40).toString('latin1'));
  throw new Error(`output differs at byte ${i} (got ${actual.length} bytes, expected ${expected.length}): got ${around(actual)}, expected ${around(expected)}`);
}
