// `mtr … | head`: a reader that goes away ends mtr promptly with 141, as a shell reports a pipeline
// member killed by SIGPIPE, on every path (cold, warm through the shared master, --no-reuse, a
// password login, --logs, --attach, --jobs, fan-out). A job this run started is stopped, as the
// remote command of `ssh host cmd | head` would be; a job it only watches goes on. Each case runs a
// real shell pipeline; promptness is "finished before the test's timeout", never a timed assertion.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { shellJoin } from '../../src/remote/shell-quote.js';
import { eventually } from '../support/eventually.js';
import { MTR_BIN, makeProject, spawnProcess, type Project, type RunResult } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

// The "remote" is this machine: a job's record is in ~/.mtr/jobs/NAME of the user sshd logged in.
const jobFile = (home: string, name: string, file: string): string | undefined => {
  try {
    return fs.readFileSync(path.join(home, '.mtr', 'jobs', name, file), 'utf8');
  } catch {
    return undefined;
  }
};
const KEY_HOME = os.userInfo().homedir;
const passwordHome = (user: string): string =>
  fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith(`${user}:`))?.split(':')[5] ?? '/nonexistent';
const readRc = (home: string, name: string): string | undefined => jobFile(home, name, 'rc')?.trim();

const masterAnswers = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;

/** An endless but gentle writer (a line every 50 ms): a job that only ends when stopped. */
const ENDLESS = ['sh', '-c', 'i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.05; done'];
const uniqueName = (tag: string) => `pipe-${tag}-${randomBytes(3).toString('hex')}`;

// Generous: a stuck mtr ignores SIGTERM, so a hang shows as timedOut (then SIGKILL), not as a pass.
const PIPE_TIMEOUT_MS = 20_000;

/** `mtr ARGS | READER` in bash with pipefail: the status is mtr's unless the reader failed. */
function piped(project: Project, args: string[], reader = 'head -1'): Promise<RunResult> {
  const line = `set -o pipefail; ${shellJoin([process.execPath, MTR_BIN, ...args])} | ${reader}`;
  return spawnProcess('bash', ['-c', line], { cwd: project.root, env: project.env, timeoutMs: PIPE_TIMEOUT_MS }).result;
}

describeE2E('a reader that goes away (mtr … | head)', (sshd) => {
  const started: { home: string; name: string }[] = [];
  const track = (name: string, home = KEY_HOME) => (started.push({ home, name }), name);
  afterAll(() => {
    // Jobs still running (the watched one, or any after a failed assertion): SIGKILL their groups.
    for (const { home, name } of started) {
      const pid = Number(jobFile(home, name, 'pid'));
      if (!(pid > 1) || jobFile(home, name, 'rc') !== undefined) continue;
      try {
        if (fs.readlinkSync(`/proc/${pid}/cwd`) === path.join(home, '.mtr', 'jobs', name)) process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });

  // Ended at once, with 141, after exactly the first line; no error text (a broken pipe is no error).
  const check = (result: RunResult, firstLine: string) => {
    expect({ timedOut: result.timedOut, code: result.code, stdout: result.stdout }).toEqual({ timedOut: false, code: 141, stdout: `${firstLine}\n` });
    expect(result.stderr).not.toMatch(/internal error|connection lost|EPIPE/);
  };
  const stoppedBySigterm = (name: string) => eventually(`job ${name} to be stopped (rc 143)`, () => readRc(KEY_HOME, name) === '143');

  it('first run (no master yet): `seq 1 100000 | head -1` ends with 141', async () => {
    const project = makeProject({ sshd });
    check(await piped(project, ['--no-tty', '--no-sync', 'seq', '1', '100000']), '1');
  });

  it('--no-reuse: ends with 141 and stops the endless job it started', async () => {
    const project = makeProject({ sshd });
    const name = track(uniqueName('direct'));
    check(await piped(project, ['--no-tty', '--no-sync', '--no-reuse', '--name', name, ...ENDLESS]), 'line 0');
    await stoppedBySigterm(name);
  });

  it('warm, through the shared master: 141, job stopped', async () => {
    const project = makeProject({ sshd });
    // A runtime folder of its own, so the master this test waits for is its own.
    const runtime = fs.mkdtempSync(path.join(sshd.localRoot, 'rt-'));
    project.env.XDG_RUNTIME_DIR = runtime;
    try {
      expect((await project.run(['--no-sync', 'true'])).code).toBe(0);
      const sockets = path.join(runtime, 'mtr');
      await eventually('the shared master', () => fs.existsSync(sockets) && fs.readdirSync(sockets).some((n) => n.endsWith('.sock') && masterAnswers(path.join(sockets, n))));
      await warmRun(project);
    } finally {
      spawnSync('pkill', ['-f', `${runtime}/`], { stdio: 'ignore' });
    }
  });

  async function warmRun(project: Project): Promise<void> {
    const name = track(uniqueName('warm'));
    const result = await piped(project, ['--no-tty', '--no-sync', '--log-file', 'warm.log', '--name', name, ...ENDLESS]);
    check(result, 'line 0');
    await stoppedBySigterm(name);
    // The case is only worth its name if the run really went through the master.
    expect(fs.readFileSync(path.join(project.root, 'warm.log'), 'utf8')).toContain('reusing the shared connection');
  }

  const pwTitle = `a password login: 141, job stopped${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`;
  it.skipIf(!sshd.password)(pwTitle, async () => {
    const { user, password } = sshd.password!;
    const project = makeProject({ sshd, servers: { pw: { user, password, key_filename: undefined } } });
    const name = track(uniqueName('pw'), passwordHome(user));
    const result = await piped(project, ['--no-tty', '--no-sync', '--name', name, ...ENDLESS]);
    check(result, 'line 0');
    expect(result.stderr).not.toContain(password);
    await eventually(`job ${name} of ${user} to be stopped`, () => readRc(passwordHome(user), name) === '143');
  });

  it('--logs, --logs --follow and --attach of a job this run did not start: 141, the job goes on', async () => {
    const project = makeProject({ sshd });
    const name = track(uniqueName('watched'));
    // Much more than a pipe holds, so a write meets the closed pipe (a small output would just fit, exit 0).
    const big = ['sh', '-c', 'seq 1 100000; while :; do sleep 1; done'];
    expect((await project.run(['--no-sync', '--detach', '--name', name, ...big])).code).toBe(0);
    await eventually('all of seq', () => (jobFile(KEY_HOME, name, 'out')?.length ?? 0) >= 588_895);
    const ways = [['--logs', name], ['--no-reuse', '--logs', name, '--follow'], ['--attach', name, '--no-tty'], ['--no-reuse', '--attach', name, '--no-tty']];
    const results = await Promise.all(ways.map((args) => piped(project, args)));
    expect(results.map((r, i) => ({ args: ways[i], timedOut: r.timedOut, code: r.code, stdout: r.stdout }))).toEqual(
      ways.map((args) => ({ args, timedOut: false, code: 141, stdout: '1\n' })),
    );
    expect(jobFile(KEY_HOME, name, 'rc')).toBeUndefined(); // still running; afterAll ends it
  });

  it('--jobs --json into a reader that is already gone: 141, nothing else', async () => {
    const project = makeProject({ sshd });
    // `true` exits at once without reading; mtr writes only after connecting.
    const result = await piped(project, ['--jobs', '--json'], 'true');
    expect({ timedOut: result.timedOut, code: result.code, stderr: result.stderr }).toEqual({ timedOut: false, code: 141, stderr: '' });
  });

  const fanTitle = `fan-out (key and password user): 141, the job stopped on both${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`;
  it.skipIf(!sshd.password)(fanTitle, async () => {
    const { user, password } = sshd.password!;
    const project = makeProject({ sshd, servers: { key: {}, pw: { user, password, key_filename: undefined } } });
    const name = uniqueName('fan');
    // A fan-out names each server's job NAME-<server>.
    const [onKey, onPw] = [track(`${name}-key`), track(`${name}-pw`, passwordHome(user))];
    const result = await piped(project, ['--all', '--no-sync', '--name', name, ...ENDLESS]);
    expect({ timedOut: result.timedOut, code: result.code, stdout: result.stdout }).toEqual({
      timedOut: false,
      code: 141,
      stdout: expect.stringMatching(/^\[(key|pw)\] line 0\n$/),
    });
    await stoppedBySigterm(onKey);
    await eventually(`job ${onPw} of ${user} to be stopped`, () => readRc(passwordHome(user), onPw) === '143');
  });
});
