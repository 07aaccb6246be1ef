// The job-layer scripts are pure strings, so they are tested the only way that proves them: run by a
// real local shell (bash, and /bin/sh = dash) with a real tmux, in a throwaway HOME. tmux gets its own
// TMUX_TMPDIR, so `tmux -L mtr` here never meets the user's own mtr server.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOW_FUNCTION } from '../../../src/remote/job-env.js';
import { buildPruneLine, type JobHistoryLimits } from '../../../src/remote/job-history.js';
import { buildKillScript, buildLogsScript, buildListScript, buildFindJobScript, buildWaitScript } from '../../../src/remote/job-ops-script.js';
import { buildLaunchScript, buildWrapper, LAUNCH_GO, type LaunchOptions, type StartSpec } from '../../../src/remote/job-script.js';
import { buildStreamScript, LOGS_READ_FAILED } from '../../../src/remote/job-stream-script.js';
import { eventually } from '../../support/eventually.js';

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
const spec = (name: string, script: string, metaJson = '{"n":1}'): StartSpec => ({ name, project: '~/proj', script, metaJson, wrapper: BATCH });
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

// A launch sent ahead of the sync (LaunchOptions.gate): `first` is what the client writes before
// anything else (undefined: EOF at once, a client that gave up), then stdin stays open until exit.
function runGated(shell: string, script: string, env: Record<string, string>, first: string | undefined): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ['-c', script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined);
    if (first === undefined) child.stdin.end();
    else child.stdin.write(first);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('exit', () => child.stdin.end());
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code });
    });
  });
}

describe.each(SHELLS)('a gated launch (sent while the sync runs), run by %s', (_label, shell) => {
  const GATED: LaunchOptions = { ...STREAM, gate: true };

  it(`starts the job only after the "${LAUNCH_GO}" line, then streams it as an ungated launch does`, async () => {
    const name = jobName();
    const run = await runGated(shell, buildLaunchScript(spec(name, 'echo out1\necho err1 >&2\nexit 4'), GATED), box.env, `${LAUNCH_GO}\n`);
    expect(run.stdout.toString()).toBe('Sout1\n');
    expect(run.stderr.toString()).toBe('err1\n');
    expect(run.code).toBe(4);
    expect(fs.readFileSync(path.join(box.jobs, name, 'rc'), 'utf8')).toBe('4\n');
  });

  it.each([
    ['EOF (the client gave up: the sync failed)', undefined],
    ['another line', 'stop\n'],
  ])('does nothing at all on %s', async (_what, first) => {
    const name = jobName();
    const run = await runGated(shell, buildLaunchScript(spec(name, 'echo ran >"$HOME/ran"'), GATED), box.env, first);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('');
    expect(fs.existsSync(path.join(box.jobs, name))).toBe(false);
    expect(fs.existsSync(path.join(box.home, 'ran'))).toBe(false);
  });
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
    expect(fs.readdirSync(dir).sort()).toEqual(['ended', 'err', 'meta.json', 'out', 'pid', 'project', 'rc', 'run.sh', 'started', 'wake', 'wrap.sh']);
    // The streamer's PID stays in wake/ (job-wake.ts); the folder holds nothing else.
    expect(fs.readdirSync(path.join(dir, 'wake')).every((f) => /^\d+$/.test(f))).toBe(true);
    const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
    expect(read('rc')).toBe('3\n');
    expect(read('out')).toBe('out1\npartial');
    expect(read('err')).toBe('err1\ne2');
    expect(read('meta.json')).toBe('{"n":1}\n');
    // The command gets the caller's umask back; everything else is private.
    expect(read('run.sh')).toBe(`umask ${process.umask().toString(8).padStart(4, '0')}\n${job.script}\n`);
    const modeOf = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
    expect([box.home + '/.mtr', box.jobs, dir].map(modeOf)).toEqual(['700', '700', '700']);
    expect(fs.readdirSync(dir).map((f) => `${f} ${modeOf(path.join(dir, f))}`)).toEqual(fs.readdirSync(dir).map((f) => `${f} ${f === 'wake' ? 700 : 600}`));
    expect(read('wrap.sh')).toBe(`${buildWrapper(BATCH)}\n`);
    // Server clock, at least milliseconds, and the end not before the start.
    expect(read('started')).toMatch(/^\d+\.\d{3,}\n$/);
    expect(read('ended')).toMatch(/^\d+\.\d{3,}\n$/);
    expect(Number(read('ended'))).toBeGreaterThanOrEqual(Number(read('started')));
    expect(read('project')).toBe(`${box.home}/proj\n`);
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

  it("the name of a finished job starts afresh: the old record is replaced whole, not mixed in", async () => {
    const name = jobName();
    const first = await runScript(shell, buildLaunchScript(spec(name, 'echo first; echo first-err >&2; exit 4', '{"first":true}'), STREAM), box.env);
    expect(first).toEqual({ stdout: Buffer.from('Sfirst\n'), stderr: Buffer.from('first-err\n'), code: 4 });
    fs.writeFileSync(path.join(box.jobs, name, 'left-over'), 'from the first job');
    const again = await runScript(shell, buildLaunchScript(spec(name, 'echo second', '{"first":false}'), STREAM), box.env);
    expect(again).toEqual({ stdout: Buffer.from('Ssecond\n'), stderr: Buffer.alloc(0), code: 0 });
    const dir = path.join(box.jobs, name);
    expect(fs.existsSync(path.join(dir, 'left-over'))).toBe(false);
    expect(['out', 'err', 'rc', 'meta.json'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))).toEqual(['second\n', '', '0\n', '{"first":false}\n']);
  });

  it('the very first job (no ~/.mtr yet) makes its folders private on the way', async () => {
    expect(fs.existsSync(path.join(box.home, '.mtr'))).toBe(false);
    const name = jobName();
    const run = await runScript(shell, buildLaunchScript(spec(name, 'echo hi'), STREAM), box.env);
    expect(run).toEqual({ stdout: Buffer.from('Shi\n'), stderr: Buffer.alloc(0), code: 0 });
    const modeOf = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
    expect([path.join(box.home, '.mtr'), box.jobs, path.join(box.jobs, name)].map(modeOf)).toEqual(['700', '700', '700']);
  });

  it('a server without bash: the job runs under sh, output and exit code exact', async () => {
    // Every tool of this machine but bash.
    const bin = path.join(box.home, 'no-bash-bin');
    fs.mkdirSync(bin);
    for (const name of fs.readdirSync('/usr/bin')) if (name !== 'bash' && name !== 'rbash') fs.symlinkSync(path.join('/usr/bin', name), path.join(bin, name));
    const env = { ...box.env, PATH: bin };
    const run = await runScript(shell, buildLaunchScript(spec(jobName(), 'echo "$0"; echo err >&2; exit 5'), STREAM), env);
    expect(run).toEqual({ stdout: Buffer.from('Ssh\n'), stderr: Buffer.from('err\n'), code: 5 });
    // And with bash there, bash runs it (it reads the script without cat).
    const withBash = await runScript(shell, buildLaunchScript(spec(jobName(), 'echo "$0"; exit 6'), STREAM), box.env);
    expect(withBash).toEqual({ stdout: Buffer.from('Sbash\n'), stderr: Buffer.alloc(0), code: 6 });
  });

  it('a record that cannot be written is a failed start (E, the reason on stderr), with nothing left behind', async () => {
    // tmux.conf in the way as a folder: the write fails even for root.
    fs.mkdirSync(path.join(box.jobs, 'tmux.conf'), { recursive: true });
    const name = jobName();
    const run = await runScript(shell, buildLaunchScript(spec(name, 'echo never'), STREAM), box.env);
    expect({ stdout: run.stdout.toString(), code: run.code }).toEqual({ stdout: 'E', code: 1 });
    expect(run.stderr.toString()).toMatch(new RegExp(`tmux\\.conf.*\\nmtr: could not write the job's record in ~/\\.mtr/jobs/${name}\\n$`, 's'));
    expect(fs.readdirSync(box.jobs)).toEqual(['tmux.conf']);
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

describe.each(SHELLS)('the environment a job sees, run by %s', (_label, shell) => {
  // What a program started by the command sees (bash alone sets an unexported TERM=dumb, as it does
  // for a plain `ssh host cmd` too).
  const SHOW_ENV = 'env | grep -E "^(TERM|TMUX|TMUX_PANE|TERM_PROGRAM|TERM_PROGRAM_VERSION)=" | sort; echo end';

  it('batch: no TERM and no tmux variables, as a plain `ssh host cmd` gets', async () => {
    const run = await runScript(shell, buildLaunchScript(spec(jobName(), SHOW_ENV), STREAM), box.env);
    expect(run).toEqual({ stdout: Buffer.from('Send\n'), stderr: Buffer.alloc(0), code: 0 });
  });

  // An interactive job waits for its client at the start gate; the test opens it as attaching would.
  async function runInteractive(term: string): Promise<string> {
    const name = jobName();
    const job: StartSpec = { ...spec(name, SHOW_ENV), wrapper: { interactive: true, stdinFifo: false, term } };
    expect(await runScript(shell, buildLaunchScript(job), box.env)).toEqual({ stdout: Buffer.from('S'), stderr: Buffer.alloc(0), code: 0 });
    spawnSync('tmux', ['-L', 'mtr', 'wait-for', '-S', `mtr-go-${name}`], { env: box.env });
    const waited = await runScript(shell, buildStreamScript(name, { exitWithJob: true }), box.env);
    expect(waited.code).toBe(0);
    // The pane's output, logged by pipe-pane: what --logs and --wait --for read. tmux hands it to
    // the pipe's `cat` on its own time, so the last bytes may land just after the job's rc.
    const out = path.join(box.jobs, name, 'out');
    const deadline = Date.now() + 5000;
    while (!fs.readFileSync(out, 'utf8').includes('end') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return fs.readFileSync(out, 'utf8');
  }

  it('interactive: the user\'s TERM when the server knows it; its pane output is logged to out', async () => {
    expect((await runInteractive('xterm-256color')).replace(/\r/g, '')).toBe('TERM=xterm-256color\nend\n');
  });

  it('interactive: a failing pipe-pane is a failed start (E, the reason on stderr), not a job without a log', async () => {
    const real = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).stdout.trim();
    const bin = path.join(box.home, 'fake-bin');
    fs.mkdirSync(bin);
    // tmux as it is, except that pipe-pane fails the way tmux 3.3a did for a `=NAME` target.
    fs.writeFileSync(path.join(bin, 'tmux'), `#!/bin/sh\nfor a; do [ "$a" = pipe-pane ] && { echo "can't find pane: x" >&2; exit 1; }; done\nexec '${real}' "$@"\n`, { mode: 0o755 });
    const env = { ...box.env, PATH: `${bin}:${box.env.PATH}` };
    const name = jobName();
    const job: StartSpec = { ...spec(name, 'echo never'), wrapper: { interactive: true, stdinFifo: false, term: 'xterm-256color' } };
    const run = await runScript(shell, buildLaunchScript(job), env);
    expect({ stdout: run.stdout.toString(), code: run.code }).toEqual({ stdout: 'E', code: 1 });
    expect(run.stderr.toString()).toBe("can't find pane: x\nmtr: tmux could not log the job's output (pipe-pane failed)\n");
    expect(fs.existsSync(path.join(box.jobs, name))).toBe(false);
    expect(spawnSync(real, ['-L', 'mtr', 'has-session', '-t', `=${name}`], { env: box.env, stdio: 'ignore' }).status).not.toBe(0);
  });

  // tmux as it is, except that the first `failures` new-sessions fail as one reaching a server on its
  // way out does (its last session just ended while this start connected).
  function flakyTmux(failures: number): Record<string, string> {
    const real = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).stdout.trim();
    const bin = fs.mkdtempSync(path.join(box.home, 'flaky-bin-'));
    const count = path.join(bin, 'count');
    fs.writeFileSync(count, '');
    const script = `#!/bin/sh
for a; do
  if [ "$a" = new-session ]; then
    n=$(wc -c <'${count}'); printf x >>'${count}'
    [ "$n" -lt ${failures} ] && { echo 'server exited unexpectedly' >&2; exit 1; }
  fi
done
exec '${real}' "$@"
`;
    fs.writeFileSync(path.join(bin, 'tmux'), script, { mode: 0o755 });
    return { ...box.env, PATH: `${bin}:${box.env.PATH}` };
  }

  it('a new-session that meets a tmux server on its way out is tried once more, quietly', async () => {
    const name = jobName();
    const run = await runScript(shell, buildLaunchScript(spec(name, 'echo once')), flakyTmux(1));
    expect(run).toEqual({ stdout: Buffer.from('S'), stderr: Buffer.alloc(0), code: 0 });
    const rest = await runScript(shell, buildStreamScript(name, { exitWithJob: true }), box.env);
    expect(rest.stdout.toString()).toBe('once\n');
  });

  it('a tmux server something else started (no mtr settings: a status line) gets mtr\'s settings at the next start', async () => {
    spawnSync('tmux', ['-L', 'mtr', '-f', '/dev/null', 'new-session', '-d', '-s', 'foreign', 'sleep 30'], { env: box.env });
    const show = () => spawnSync('tmux', ['-L', 'mtr', 'show-options', '-gv', 'status'], { env: box.env, encoding: 'utf8' }).stdout.trim();
    expect(show()).toBe('on');
    const name = jobName();
    const run = await runScript(shell, buildLaunchScript(spec(name, 'echo started')), box.env);
    expect(run).toEqual({ stdout: Buffer.from('S'), stderr: Buffer.alloc(0), code: 0 });
    expect(show()).toBe('off');
    expect((await runScript(shell, buildStreamScript(name, { exitWithJob: true }), box.env)).stdout.toString()).toBe('started\n');
  });

  it('a new-session that fails twice is a failed start, with tmux\'s reason, and leaves no record', async () => {
    const name = jobName();
    const run = await runScript(shell, buildLaunchScript(spec(name, 'echo never')), flakyTmux(2));
    expect({ stdout: run.stdout.toString(), code: run.code }).toEqual({ stdout: 'E', code: 1 });
    expect(run.stderr.toString()).toBe("server exited unexpectedly\nmtr: tmux could not start the job's session\n");
    expect(fs.readdirSync(box.jobs).filter((f) => f !== 'tmux.conf')).toEqual([]);
  });

  it('a running session whose record was removed by hand: T, the session left alone, no record made', async () => {
    const name = jobName();
    const release = path.join(box.home, 'release');
    const running = path.join(box.home, 'running');
    const first = await runScript(shell, buildLaunchScript(spec(name, `: >'${running}'; while [ ! -e '${release}' ]; do sleep 0.05; done`)), box.env);
    expect(first.stdout.toString()).toBe('S');
    // Once the command runs (it has read its script), its folder goes.
    for (let i = 0; i < 200 && !fs.existsSync(running); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(fs.existsSync(running)).toBe(true);
    fs.rmSync(path.join(box.jobs, name), { recursive: true, force: true });
    const second = await runScript(shell, buildLaunchScript(spec(name, 'echo second'), STREAM), box.env);
    expect(second).toEqual({ stdout: Buffer.from('T'), stderr: Buffer.alloc(0), code: 0 });
    expect(fs.existsSync(path.join(box.jobs, name))).toBe(false);
    expect(fs.readdirSync(box.jobs).filter((f) => f !== 'tmux.conf')).toEqual([]);
    expect(spawnSync('tmux', ['-L', 'mtr', 'has-session', '-t', `=${name}`], { env: box.env }).status).toBe(0);
    fs.writeFileSync(release, '');
  });

  it('interactive: a TERM the server lacks falls back to xterm-256color', async () => {
    expect((await runInteractive('mtr-no-such-terminal')).replace(/\r/g, '')).toBe('TERM=xterm-256color\nend\n');
  });
});

// job-wake.ts: whoever writes rc wakes the streamers. Here every pause of theirs (`sleep 0.xxx`) is a
// sleep of 60 s (a `sleep` ahead on their PATH): a streamer that nobody woke would not end within
// the test's time, so these end only through the wake. The jobs and the kill script use the real sleep.
describe.each(SHELLS)('the streamers are woken when rc is written, run by %s', (_label, shell) => {
  const realSleep = spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim();
  let sleepyEnv: Record<string, string>;
  beforeEach(() => {
    const bin = path.join(box.home, 'sleepy-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'sleep'), `#!/bin/sh\ncase "$1" in 0.*) exec ${realSleep} 60;; esac\nexec ${realSleep} "$@"\n`, { mode: 0o755 });
    sleepyEnv = { ...box.env, PATH: `${bin}:${box.env.PATH}` };
  });
  const notWoken = (what: string) => `${what} was not woken (its pause is 60 s here)`;

  it('a batch run that ends while its streamer pauses: the end is seen at once, output and code exact', async () => {
    const name = jobName();
    const run = await runScript(shell, buildLaunchScript(spec(name, `${realSleep} 0.4; echo late; echo e >&2; exit 4`), STREAM), sleepyEnv, 20_000).catch((error: Error) => {
      throw new Error(`${notWoken('the launch streamer')}: ${error.message}`);
    });
    expect(run).toEqual({ stdout: Buffer.from('Slate\n'), stderr: Buffer.from('e\n'), code: 4 });
  });

  it('a second streamer that joined the running job (--logs --follow) is woken too', async () => {
    const name = jobName();
    const launch = runScript(shell, buildLaunchScript(spec(name, `${realSleep} 0.8; echo end; exit 5`), STREAM), sleepyEnv, 20_000);
    await eventually('the job to start', () => fs.existsSync(path.join(box.jobs, name, 'pid')));
    const follower = await runScript(shell, buildStreamScript(name, { exitWithJob: true }), sleepyEnv, 20_000).catch((error: Error) => {
      throw new Error(`${notWoken('the follower')}: ${error.message}`);
    });
    expect(follower).toEqual({ stdout: Buffer.from('end\n'), stderr: Buffer.alloc(0), code: 5 });
    expect((await launch).code).toBe(5);
    // Each waiting streamer had left its PID there, private as every record (a follower's shell has the login's umask).
    const wake = path.join(box.jobs, name, 'wake');
    expect(fs.readdirSync(wake).map((f) => (fs.statSync(path.join(wake, f)).mode & 0o777).toString(8))).toEqual(['600', '600']);
  });

  it('`mtr --wait NAME` (the wait script) is woken too, and exits with the code', async () => {
    const name = jobName();
    const launch = runScript(shell, buildLaunchScript(spec(name, `${realSleep} 0.6; exit 9`), STREAM), sleepyEnv, 20_000);
    await eventually('the job to start', () => fs.existsSync(path.join(box.jobs, name, 'pid')));
    const wait = await runScript(shell, buildWaitScript(name), sleepyEnv, 20_000).catch((error: Error) => {
      throw new Error(`${notWoken('the wait script')}: ${error.message}`);
    });
    expect(wait.code).toBe(9);
    expect((await launch).code).toBe(9);
  });

  // bash 5.2 turns a trap that runs while it parses a command substitution into a syntax error on
  // stderr: the streamer takes the signal only while it pauses, so a storm of them changes nothing.
  it('SIGURG at any moment of the polling (here every millisecond) changes no byte of the output', async () => {
    const env = box.env;
    // The wc fallback (stat fails): the most command substitutions per round.
    const bin = path.join(box.home, 'nostat-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'stat'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const name = jobName();
    const launch = runScript(shell, buildLaunchScript(spec(name, `i=0; while [ $i -lt 300 ]; do echo "line $i"; ${realSleep} 0.004; i=$((i+1)); done; exit 2`), STREAM), { ...env, PATH: `${bin}:${env.PATH}` }, 30_000);
    const wake = path.join(box.jobs, name, 'wake');
    const pid = await eventually('the streamer to note its PID', () => (fs.existsSync(wake) ? fs.readdirSync(wake).map(Number)[0] : undefined));
    let ended = false;
    void launch.finally(() => (ended = true));
    let sent = 0;
    while (!ended) {
      try {
        process.kill(pid, 'SIGURG');
        sent++;
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const run = await launch;
    expect(sent).toBeGreaterThan(50);
    expect(run.stderr.toString()).toBe('');
    expect(run.stdout.toString()).toBe(`S${Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join('')}`);
    expect(run.code).toBe(2);
  });

  it('a job an older mtr started (no wake/) is streamed by polling, as before', async () => {
    const dir = path.join(box.jobs, 'old-job');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'out'), 'first\n');
    fs.writeFileSync(path.join(dir, 'err'), '');
    // The real sleep: nobody wakes this streamer.
    const stream = runScript(shell, buildStreamScript('old-job', { exitWithJob: true }), box.env);
    await new Promise((resolve) => setTimeout(resolve, 300));
    fs.appendFileSync(path.join(dir, 'out'), 'second\n');
    fs.writeFileSync(path.join(dir, 'err'), 'oops\n');
    fs.writeFileSync(path.join(dir, 'rc'), '7\n');
    expect(await stream).toEqual({ stdout: Buffer.from('first\nsecond\n'), stderr: Buffer.from('oops\n'), code: 7 });
    expect(fs.existsSync(path.join(dir, 'wake'))).toBe(false);
  });

  it('a job whose wrapper was killed: the kill script writes 137 and wakes the streamer', async () => {
    const name = jobName();
    // Deaf to INT and TERM: the kill escalates to SIGKILL, which takes the wrapper along.
    const launch = runScript(shell, buildLaunchScript(spec(name, `trap '' INT TERM; ${realSleep} 30`), STREAM), sleepyEnv, 20_000);
    await eventually('the job to start', () => fs.existsSync(path.join(box.jobs, name, 'pid')) && fs.readdirSync(path.join(box.jobs, name, 'wake')).length === 1);
    const kill = await runScript(shell, buildKillScript(name, 0.2), box.env);
    expect(kill.stdout.toString()).toBe('KILL 137\n');
    const run = await launch.catch((error: Error) => {
      throw new Error(`${notWoken('the launch streamer')}: ${error.message}`);
    });
    expect(run.code).toBe(137);
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
  // Small limits, so every rule shows with a handful of records (the real ones: JOB_HISTORY).
  const LIMITS: JobHistoryLimits = { keep: 3, days: 7, max: 6, slack: 0 };
  const now = Math.floor(Date.now() / 1000);
  const DAY = 86_400;

  // `count` finished jobs of `project` (undefined: an older mtr's record, no project file), ended
  // `ageSeconds` ago and 10 s apart, newest first, named the other way round so name order would
  // keep the wrong ones. Returns the names, newest first.
  function makeJobs(tag: string, project: string | undefined, count: number, ageSeconds: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${tag}-${String(count - i).padStart(3, '0')}`;
      const dir = path.join(box.jobs, name);
      fs.mkdirSync(dir, { recursive: true });
      if (project !== undefined) fs.writeFileSync(path.join(dir, 'project'), `${project}\n`);
      const rc = path.join(dir, 'rc');
      fs.writeFileSync(rc, '0\n');
      const when = now - ageSeconds - i * 10;
      fs.utimesSync(rc, when, when);
      names.push(name);
    }
    return names;
  }

  // A running job (no rc), older than everything, and the shared tmux.conf: never touched.
  function makeRunning(project: string): void {
    fs.mkdirSync(path.join(box.jobs, 'running'), { recursive: true });
    fs.writeFileSync(path.join(box.jobs, 'running', 'project'), `${project}\n`);
    fs.utimesSync(path.join(box.jobs, 'running'), now - 100 * DAY, now - 100 * DAY);
    fs.writeFileSync(path.join(box.jobs, 'tmux.conf'), '');
  }

  const prune = async () => {
    const run = await runScript(shell, `${buildPruneLine(LIMITS)}; wait`, box.env);
    expect(run).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), code: 0 });
  };
  const left = () => fs.readdirSync(box.jobs).filter((entry) => entry !== 'kept.count').sort();
  const keptMark = () => fs.readFileSync(path.join(box.jobs, 'kept.count'), 'utf8');

  it('per project: the newest `keep` of each old history; no-project records form their own; running ones stay', async () => {
    const a = makeJobs('a', '/srv/a', 6, 10 * DAY);
    const b = makeJobs('b', '/srv/b', 2, 10 * DAY);
    const spaced = makeJobs('s', '/srv/with space', 5, 10 * DAY);
    const old = makeJobs('o', undefined, 4, 10 * DAY);
    makeRunning('/srv/a');
    await prune();
    expect(left()).toEqual([...a.slice(0, 3), ...b, ...spaced.slice(0, 3), ...old.slice(0, 3), 'running', 'tmux.conf'].sort());
    expect(keptMark()).toBe('11\n');
  });

  it('anything that ended within `days` stays past `keep`, up to `max`; older ones go', async () => {
    const recent = makeJobs('r', '/srv/a', 5, 2 * DAY);
    makeJobs('o', '/srv/a', 3, 8 * DAY); // ended 8 days ago: they go
    await prune();
    expect(left()).toEqual([...recent].sort());
  });

  it('`max` caps even recent history, newest kept', async () => {
    const recent = makeJobs('r', '/srv/a', LIMITS.max + 4, 3600);
    await prune();
    expect(left()).toEqual(recent.slice(0, LIMITS.max).sort());
  });

  it('runs only once `slack` more finished jobs than the last prune left exist; a shrunk history lowers the mark', async () => {
    const limits = { ...LIMITS, slack: 5 };
    const jobs = makeJobs('a', '/srv/a', 8, 10 * DAY);
    fs.writeFileSync(path.join(box.jobs, 'kept.count'), '3\n');
    const run = (script: string) => runScript(shell, `${script}; wait`, box.env);
    expect((await run(buildPruneLine(limits))).code).toBe(0);
    expect(left()).toEqual([...jobs].sort()); // 8 is not more than 3 + 5
    makeJobs('b', '/srv/b', 1, 10 * DAY);
    expect((await run(buildPruneLine(limits))).code).toBe(0);
    expect(left()).toEqual([...jobs.slice(0, 3), 'b-001'].sort());
    expect(keptMark()).toBe('4\n');
    fs.writeFileSync(path.join(box.jobs, 'kept.count'), '50\n');
    expect((await run(buildPruneLine(limits))).code).toBe(0);
    expect(keptMark()).toBe('4\n');
  });

  it('a pruned Slurm job takes its code snapshot along; a kept one keeps it; a foreign path is never removed', async () => {
    const jobs = makeJobs('a', '/srv/a', 5, 10 * DAY);
    const snapshots = path.join(box.jobs, '..', 'proj', '.mtr', 'snapshots');
    for (const name of jobs) {
      fs.mkdirSync(path.join(snapshots, name), { recursive: true });
      fs.mkdirSync(path.join(snapshots, `${name}.slurm`), { recursive: true });
      fs.writeFileSync(path.join(box.jobs, name, 'snapshot'), `${path.join(snapshots, name)}\n`);
    }
    // A record naming a folder that is not its own snapshot: left alone.
    const foreign = path.join(box.jobs, '..', 'precious');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(box.jobs, jobs[4]!, 'snapshot'), `${foreign}\n`);
    await prune();
    expect(left()).toEqual(jobs.slice(0, 3).sort());
    // a-002's went with it; a-001's record named another folder, so its snapshot stays (and that folder too).
    expect(fs.readdirSync(snapshots).sort()).toEqual([...jobs.slice(0, 3), jobs[4]!].flatMap((name) => [name, `${name}.slurm`]).sort());
    expect(fs.existsSync(foreign)).toBe(true);
  });

  it('no jobs dir at all: nothing to do, no noise', async () => {
    await prune();
    expect(fs.existsSync(box.jobs)).toBe(false);
  });
});

describe.each(SHELLS)('buildFindJobScript, run by %s', (_label, shell) => {
  it('prints the first name that has a record; exit 1 when none has', async () => {
    fs.mkdirSync(path.join(box.jobs, 'train-gpu1'), { recursive: true });
    fs.writeFileSync(path.join(box.jobs, 'train-gpu1', 'meta.json'), '{}');
    expect(await runScript(shell, buildFindJobScript(['train', 'train-gpu1']), box.env)).toEqual({ stdout: Buffer.from('train-gpu1\n'), stderr: Buffer.alloc(0), code: 0 });
    fs.mkdirSync(path.join(box.jobs, 'train'));
    fs.writeFileSync(path.join(box.jobs, 'train', 'meta.json'), '{}');
    expect((await runScript(shell, buildFindJobScript(['train', 'train-gpu1']), box.env)).stdout.toString()).toBe('train\n');
    expect(await runScript(shell, buildFindJobScript(['nope', 'nope-gpu1']), box.env)).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), code: 1 });
  });
});

describe.each(SHELLS)('buildListScript, run by %s', (_label, shell) => {
  it("prints the server's time, then each job's fields; with a project only its jobs and project-less ones", async () => {
    const make = (name: string, project: string | undefined, files: Record<string, string>) => {
      const dir = path.join(box.jobs, name);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'meta.json'), `{"name":"${name}"}\n`);
      if (project !== undefined) fs.writeFileSync(path.join(dir, 'project'), `${project}\n`);
      for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    };
    make('mine', `${box.home}/proj`, { rc: '3\n', started: '1700000000.250\n', ended: '1700000001.5\n', slurm: '1234 FAILED n1\n' });
    make('theirs', `${box.home}/other`, { rc: '0\n' });
    make('older', undefined, { rc: '1\n', ended: '1700000002\n' });
    const before = Date.now() / 1000;
    const all = await runScript(shell, buildListScript(), box.env);
    const mine = await runScript(shell, buildListScript('~/proj'), box.env);
    expect(all.stderr.toString()).toBe('');
    const [head, ...records] = all.stdout.toString().split('\x1e');
    expect(Number(head)).toBeGreaterThanOrEqual(Math.floor(before));
    expect(head).toMatch(/^\d+\.\d{3,}$/);
    expect(records.filter(Boolean).map((r) => r.split('\0')).sort()).toEqual([
      ['mine', '{"name":"mine"}', '3', '1700000001.5', '1700000000.250', `${box.home}/proj`, 'batch', '1234 FAILED n1'],
      ['older', '{"name":"older"}', '1', '1700000002', '', '', 'batch', ''],
      ['theirs', '{"name":"theirs"}', '0', '', '', `${box.home}/other`, 'batch', ''],
    ]);
    const names = mine.stdout.toString().split('\x1e').slice(1).filter(Boolean).map((r) => r.split('\0')[0]).sort();
    expect(names).toEqual(['mine', 'older']);
  });

  // The lister reads the records with one awk; a server without awk gets the same bytes from a loop
  // of shell builtins. States: an rc, a session that runs (tmux's list), none of either (lost).
  it('awk and the shell loop (no awk on PATH) print the same bytes: running, lost, kinds, odd names, a folder without meta.json', async () => {
    const make = (name: string, files: Record<string, string>) => {
      const dir = path.join(box.jobs, name);
      fs.mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    };
    make('run1', { 'meta.json': '{"name":"run1"}\n', project: `${box.home}/proj\n`, started: '1700000000.5\n' });
    make('gone', { 'meta.json': '{"name":"gone"}\n', started: '1700000000\n' });
    make('odd name', { 'meta.json': '{"name":"odd"}\n' });
    make('sess', { 'meta.json': '{"name":"sess"}\n', 'session.rc': ':\n', tty: '', rc: '0\n' });
    make('term', { 'meta.json': '{"name":"term"}\n', tty: '', rc: '130\n', slurm: '7 RUNNING n1 n2\n' });
    make('nometa', { rc: '0\n' });
    make('other', { 'meta.json': '{"name":"other"}\n', project: `${box.home}/elsewhere\n`, rc: '2\n', ended: '1700000009\n' });
    // A record file without its final newline reads as its one line.
    make('nonl', { 'meta.json': '{"name":"nonl"}', rc: '4' });
    spawnSync('tmux', ['-L', 'mtr', 'new-session', '-d', '-s', 'run1', 'sleep 30'], { env: box.env });
    const bin = path.join(box.home, 'no-awk-bin');
    fs.mkdirSync(bin);
    for (const tool of ['tmux', 'date']) fs.symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), path.join(bin, tool));
    const noAwk = { ...box.env, PATH: bin };
    expect(spawnSync(shell, ['-c', 'command -v awk'], { env: noAwk }).status).not.toBe(0);
    const records = (out: Buffer) => out.toString().split('\x1e').slice(1);
    for (const project of [undefined, '~/proj']) {
      const withAwk = await runScript(shell, buildListScript(project), box.env);
      const loop = await runScript(shell, buildListScript(project), noAwk);
      expect(withAwk.stderr.toString() + loop.stderr.toString()).toBe('');
      expect(records(withAwk.stdout)).toEqual(records(loop.stdout));
      const byName = new Map(records(withAwk.stdout).filter(Boolean).map((r) => [r.split('\0')[0], r.split('\0')] as const));
      expect(byName.get('run1')?.slice(2)).toEqual(['running', '', '1700000000.5', `${box.home}/proj`, 'batch', '']);
      expect(byName.get('gone')?.[2]).toBe('lost');
      expect(byName.get('odd name')?.[2]).toBe('lost');
      expect(byName.get('sess')?.[6]).toBe('session');
      expect(byName.get('term')?.slice(2)).toEqual(['130', '', '', '', 'tty', '7 RUNNING n1 n2']);
      expect(byName.get('nonl')?.slice(1, 3)).toEqual(['{"name":"nonl"}', '4']);
      expect(byName.has('nometa')).toBe(false);
      expect(byName.has('other')).toBe(project === undefined);
    }
  });
});

// A `date` that prints %N as a literal N, as BSD date does.
const FAKE_BSD_DATE = `#!/bin/sh\ncase "$1" in *%N*) exec /bin/date "$(printf '%s' "$1" | sed 's/%N/N/g')";; esac\nexec /bin/date "$@"\n`;

describe.each(SHELLS)('NOW_FUNCTION, run by %s', (_label, shell) => {
  // BSD date has no %N (it prints a literal N): a fake date that does the same stands in for it.
  it.each([
    { what: 'GNU date', fakeDate: false, pattern: /^\d{10,}\.\d{9}\n$/ },
    { what: 'a date without %N (perl fallback)', fakeDate: true, pattern: /^\d{10,}\.\d{3}\n$/ },
  ])('$what: epoch seconds with at least milliseconds', async ({ fakeDate, pattern }) => {
    let env = box.env;
    if (fakeDate) {
      const bin = path.join(box.home, 'fake-bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'date'), FAKE_BSD_DATE, { mode: 0o755 });
      env = { ...box.env, PATH: `${bin}:${box.env.PATH}` };
    }
    const run = await runScript(shell, `${NOW_FUNCTION}\nmtr_now`, env);
    expect(run.stderr.toString()).toBe('');
    expect(run.stdout.toString()).toMatch(pattern);
    expect(Math.abs(Number(run.stdout.toString()) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('without %N and without perl: whole seconds, still a number', async () => {
    const bin = path.join(box.home, 'fake-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'date'), FAKE_BSD_DATE, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'perl'), '#!/bin/sh\nexit 127\n', { mode: 0o755 });
    const run = await runScript(shell, `${NOW_FUNCTION}\nmtr_now`, { ...box.env, PATH: `${bin}:${box.env.PATH}` });
    expect(run.stdout.toString()).toMatch(/^\d{10,}\n$/);
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
