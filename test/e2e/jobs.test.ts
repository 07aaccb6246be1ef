// The tmux job layer end to end: detach → --jobs → --logs → --wait → --kill, batch output through a
// job (exact bytes, stdin, size), names and commands that must never become shell, unknown and
// duplicate names and a server without tmux (pruning: job-history.test.ts). The "remote" is this machine:
// its ~/.mtr/jobs and process table are inspected directly. (Every run passes --no-sync.)
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { processTable, type ProcessRow } from '../support/processes.js';
import { startSshdWithout, stopSshdWithout, type ReducedSshd } from '../support/sshd-without.js';
import { JOBS_DIR, type SshdInfo, describeE2E } from '../support/sshd.js';
import { eventually, sleep } from '../support/eventually.js';

const readJobFile = (name: string, file: string): string | undefined => {
  try {
    return fs.readFileSync(path.join(JOBS_DIR, name, file), 'utf8');
  } catch {
    return undefined;
  }
};

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Polls until `probe` returns something truthy; fails with `what` after `timeoutMs`. */

/** `sleep 3600.<random>`: a long job whose command line is unique, so `ps` can find it. */
const uniqueSleep = () => `sleep 3600.${randomInt(100_000, 999_999)}`;

/** Live processes whose whole command line is `args`. */
function processesRunning(args: string): ProcessRow[] {
  return processTable().filter((p) => p.state !== 'Z' && p.args === args);
}

/** SIGKILLs a job's process group, but only while it runs: a finished job's pid may be reused. */
function killLeftoverJob(name: string): void {
  const pid = Number(readJobFile(name, 'pid'));
  if (!(pid > 1) || readJobFile(name, 'rc') !== undefined) return;
  try {
    if (fs.readlinkSync(`/proc/${pid}/cwd`) === path.join(JOBS_DIR, name)) process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function tmux(sshd: SshdInfo, args: string[]): boolean {
  try {
    execFileSync('tmux', ['-L', 'mtr', ...args], { env: { ...process.env, TMUX_TMPDIR: sshd.tmuxTmpDir }, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface ListedJob {
  name: string;
  state: string;
  exitCode: number | null;
  command: string[] | null;
  server: string | null;
  cwd: string | null;
  started: string | null;
  ended: string | null;
}

/** The exit code, with stderr as the failure message. */
function expectCode(result: RunResult, code: number): void {
  expect(result.code, `exit code (stderr: ${result.stderr.trim() || 'empty'})`).toBe(code);
}

// mtr leaves a shared connection behind after a run; the next runs of the project reuse it. The
// debug log is the only outside sign of it, so wait until a run logs the reuse.
async function warmSharedConnection(p: Project): Promise<void> {
  const log = path.join(p.root, 'reuse-probe.log');
  for (let attempt = 0; attempt < 20; attempt++) {
    fs.rmSync(log, { force: true });
    await p.run(['--no-sync', '--log-file', log, 'true']);
    if (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('reusing the shared connection')) return;
    await sleep(250);
  }
  throw new Error('runs never reused a shared connection (has connection reuse changed?)');
}

/** A result as one object, so a failure shows code, stdout and stderr together. */
const summary = (result: RunResult) => ({ code: result.code, stdout: result.stdout, stderr: result.stderr });

describeE2E('mtr jobs (tmux, --no-sync)', (sshd) => {
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd }));
  const mtr = (args: string[], input?: string | Buffer) => project().run(args, input === undefined ? {} : { input });
  const run = (argv: string[], input?: string | Buffer) => mtr(['--no-sync', ...argv], input);

  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-job-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };
  const detach = (name: string, argv: string[]) => run(['-d', '--name', name, ...argv]);
  const listJobs = async (): Promise<ListedJob[]> => {
    const result = await mtr(['--jobs', '--json']);
    expectCode(result, 0);
    return JSON.parse(result.stdout) as ListedJob[];
  };
  const findJob = async (name: string) => (await listJobs()).find((job) => job.name === name);

  // Whatever a failed test left behind: its process group, its tmux session, its record.
  afterAll(() => {
    for (const name of names) {
      killLeftoverJob(name);
      tmux(sshd, ['kill-session', '-t', `=${name}`]);
      fs.rmSync(path.join(JOBS_DIR, name), { recursive: true, force: true });
    }
  });

  describe('detach → jobs → logs → wait → kill', () => {
    // Each step of the job waits for a file the test writes when its checks need the next one
    // (running → "fired up" → exit 3), instead of sleeps long enough for a loaded machine.
    const name = newName('flow');
    const release = (step: string) => fs.writeFileSync(path.join(JOBS_DIR, name, step), '');
    const gate = (step: string) => `while [ ! -f ${path.join(JOBS_DIR, name, step)} ]; do sleep 0.05; done`;
    const script = `echo starting; ${gate('fire')}; echo "server is fired up"; ${gate('end')}; exit 3`;
    const argv = ['sh', '-c', script];
    let started: RunResult;

    beforeAll(async () => {
      started = await detach(name, argv);
    });

    it('-d prints exactly the name and returns at once, the job still running', () => {
      expect(summary(started)).toEqual({ code: 0, stdout: `${name}\n`, stderr: '' });
      expect(readJobFile(name, 'rc')).toBeUndefined();
    });

    it('--jobs lists it as running with its command', async () => {
      const result = await mtr(['--jobs']);
      expectCode(result, 0);
      const [header, ...rows] = result.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^NAME\s+STATE\s+STARTED\s+DURATION\s+COMMAND$/);
      const row = rows.find((line) => line.startsWith(`${name} `));
      expect(row, result.stdout).toMatch(new RegExp(`^${name}\\s+running\\s.*\\bsh -c .*server is fired up`));
    });

    it('--jobs --json is JSON with the argv, server, cwd and state', async () => {
      const job = await findJob(name);
      expect(job).toMatchObject({ name, state: 'running', exitCode: null, command: argv, server: 'test', cwd: project().remoteDir, ended: null });
      expect(Number.isNaN(Date.parse(job!.started!))).toBe(false);
    });

    it('--wait --for REGEX returns 0 with the matching line', async () => {
      release('fire');
      const result = await mtr(['--wait', name, '--for', 'fired up']);
      expect(summary(result)).toEqual({ code: 0, stdout: 'server is fired up\n', stderr: '' });
    });

    it('--wait returns the exit code', async () => {
      const waiting = project().run(['--wait', name]);
      const releasedAt = Date.now();
      release('end');
      expect(summary(await waiting)).toEqual({ code: 3, stdout: '', stderr: '' });
      const job = await findJob(name);
      expect(job).toMatchObject({ state: 'exited', exitCode: 3 });
      // ended is when the job ended, not when it started (the server's clock is this machine's).
      expect(Date.parse(job!.ended!)).toBeGreaterThanOrEqual(Date.parse(job!.started!));
      expect(Date.parse(job!.ended!)).toBeGreaterThanOrEqual(releasedAt - 1000);
    });

    it('--logs prints the output', async () => {
      expect(summary(await mtr(['--logs', name]))).toEqual({ code: 0, stdout: 'starting\nserver is fired up\n', stderr: '' });
    });

    it('--logs --tail 1 prints only the last line', async () => {
      expect(summary(await mtr(['--logs', name, '--tail', '1']))).toEqual({ code: 0, stdout: 'server is fired up\n', stderr: '' });
    });

    it('--attach without a terminal streams the output and exits with the code', async () => {
      expect(summary(await mtr(['--attach', name]))).toEqual({ code: 3, stdout: 'starting\nserver is fired up\n', stderr: '' });
    });

    it('--wait --for on a job that ended without a match: its code (or 1), with a note', async () => {
      const result = await mtr(['--wait', name, '--for', 'never-printed']);
      expectCode(result, 3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/ended \(exit 3\) before its output matched/);
    });
  });

  it('-d without --name prints a generated name that the other flags accept', async () => {
    const result = await run(['-d', 'sh', '-c', 'echo anon; exit 6']);
    expectCode(result, 0);
    expect(result.stdout).toMatch(/^project-[0-9a-f]{6}\n$/);
    const name = result.stdout.trim();
    names.push(name);
    expectCode(await mtr(['--wait', name]), 6);
    expect(summary(await mtr(['--logs', name]))).toEqual({ code: 0, stdout: 'anon\n', stderr: '' });
  });

  it('--wait --for matches a prompt without a newline', async () => {
    const name = newName('prompt');
    expectCode(await detach(name, ['sh', '-c', 'printf "Password: "; sleep 5']), 0);
    const result = await mtr(['--wait', name, '--for', '^Password: $', '--timeout', '10']);
    expect(summary(result)).toEqual({ code: 0, stdout: 'Password: \n', stderr: '' });
    expectCode(await mtr(['--kill', name]), 0);
  });

  it('a job whose tmux session vanished is "lost": --jobs says so, --wait fails with a message', async () => {
    const name = newName('lost');
    const marker = uniqueSleep();
    expectCode(await detach(name, ['sh', '-c', marker]), 0);
    await eventually(`${marker} to run`, () => processesRunning(marker).length === 1);
    expect(tmux(sshd, ['kill-session', '-t', `=${name}`])).toBe(true);
    // What a reboot would do to the rest of the job.
    for (const { pid } of processesRunning(marker)) process.kill(pid, 'SIGKILL');
    expect((await findJob(name))?.state).toBe('lost');
    const waited = await mtr(['--wait', name]);
    expect(waited.code).not.toBe(0);
    expect(waited.stderr).toContain(`job ${name} ended without recording an exit code`);
  });

  it('--logs --follow streams a running job until it ends (stdout and stderr apart)', async () => {
    const name = newName('follow');
    // The rest of the output waits until the follower has shown the first line.
    const go = path.join(JOBS_DIR, name, 'go');
    const script = `echo "tick 1"; while [ ! -f ${go} ]; do sleep 0.05; done; for i in 2 3 4; do echo "tick $i"; sleep 0.05; done; echo bye >&2; exit 7`;
    expectCode(await detach(name, ['sh', '-c', script]), 0);
    const following = project().spawn(['--logs', name, '--follow']);
    let shown = '';
    following.child.stdout!.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    await eventually('the follower to show "tick 1"', () => shown.includes('tick 1'));
    expect(readJobFile(name, 'rc')).toBeUndefined();
    fs.writeFileSync(go, '');
    expect(summary(await following.result)).toEqual({ code: 0, stdout: 'tick 1\ntick 2\ntick 3\ntick 4\n', stderr: 'bye\n' });
    expect(readJobFile(name, 'rc')?.trim()).toBe('7');
  });

  it('--logs --follow --tail 1 starts at the last line so far', async () => {
    const name = newName('follow-tail');
    // "three" waits for a file the test writes once the follower has shown "ready" (a fixed sleep
    // lost the race to a slow connect on a loaded machine).
    const go = path.join(JOBS_DIR, name, 'go');
    const script = `echo one; echo two; echo ready; while [ ! -f ${go} ]; do sleep 0.05; done; echo three`;
    expectCode(await detach(name, ['sh', '-c', script]), 0);
    await eventually('"ready" in out', () => readJobFile(name, 'out')?.includes('ready'));
    expect(readJobFile(name, 'rc')).toBeUndefined();
    const following = project().spawn(['--logs', name, '--follow', '--tail', '1']);
    let shown = '';
    following.child.stdout!.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    await eventually('the follower to show "ready"', () => shown.includes('ready'));
    fs.writeFileSync(go, '');
    expect(summary(await following.result)).toEqual({ code: 0, stdout: 'ready\nthree\n', stderr: '' });
  });

  it.each([
    ['--tail', ['--logs', 'any', '--tail', '999999999999999999999'], /^mtr: --tail expects a whole number from 0 to 2147483647, got "999999999999999999999"\n/],
    ['--tail', ['--logs', 'any', '--tail', '-3'], /^mtr: --tail expects a whole number/],
    ['--timeout', ['--wait', 'any', '--timeout', '99999999999'], /^mtr: --timeout expects seconds, more than 0 and at most 2147483/],
    ['--parallel', ['--parallel', '1e21', '--no-sync', 'true'], /^mtr: --parallel expects a whole number from 1/],
  ])('%s out of range → exit 2 with the range, before anything runs', async (_flag, args, message) => {
    const result = await mtr(args);
    expect(summary(result)).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(message) });
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  // /proc/self/mem cannot be read from its first byte (root or not): a stand-in for a job record on
  // a failing disk. Reading it fails on the server, so mtr must not exit 0.
  it.each([[[]], [['--tail', '5']], [['--follow']], [['--follow', '--tail', '5']]])('--logs %j of a job whose output cannot be read → exit 1 with the reason', async (extra) => {
    const name = newName('unreadable');
    expectCode(await detach(name, ['sh', '-c', 'echo fine; echo warn >&2']), 0);
    await eventually(`${name} to finish`, () => readJobFile(name, 'rc') !== undefined);
    fs.rmSync(path.join(JOBS_DIR, name, 'out'));
    fs.symlinkSync('/proc/self/mem', path.join(JOBS_DIR, name, 'out'));
    const result = await mtr(['--logs', name, ...extra]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/Input\/output error/);
    expect(result.stderr).toContain(`mtr: could not read the output of job ${name} on test (the server's error is above)\n  fix: check ~/.mtr/jobs/${name}/out and err`);
  });

  // Waits that end before the job does close their channel; with a shared (multiplexed) connection
  // that must work too, so these run both ways.
  describe.each([
    ['a fresh connection', ['--no-reuse']],
    ['a shared connection', []],
  ])('a long job, over %s', (_mode, flags) => {
    const marker = uniqueSleep();
    const name = newName('long');
    const mtrVia = (args: string[], timeoutMs = 15_000) => project().run([...flags, ...args], { timeoutMs });

    beforeAll(async () => {
      if (!flags.length) await warmSharedConnection(project());
      const result = await mtrVia(['--no-sync', '-d', '--name', name, 'sh', '-c', `echo up; ${marker}`]);
      expect(summary(result)).toEqual({ code: 0, stdout: `${name}\n`, stderr: '' });
      await eventually(`${marker} to run`, () => processesRunning(marker).length === 1);
    });

    it('--wait --for returns at the match, not when the job ends', async () => {
      // The job sleeps for an hour: not being killed by the run's bounded wait proves the early return.
      const result = await mtrVia(['--wait', name, '--for', '^up$']);
      expect(result.timedOut).toBe(false);
      expect(summary(result)).toEqual({ code: 0, stdout: 'up\n', stderr: '' });
    });

    it('--wait --timeout 0.3 exits 124 quickly and leaves it running', async () => {
      const result = await mtrVia(['--wait', name, '--timeout', '0.3']);
      expect(result.timedOut).toBe(false);
      expectCode(result, 124);
      // One line that says what happened; the link did not drop.
      expect(result.stderr).toMatch(/^mtr: timed out after 0.3 s waiting for job [^\n]*\n$/);
      expect(processesRunning(marker)).toHaveLength(1);
      expect((await findJob(name))?.state).toBe('running');
    });

    it('--wait --for a line that never comes --timeout 0.3 exits 124 too, and leaves it running', async () => {
      const result = await mtrVia(['--wait', name, '--for', '^never$', '--timeout', '0.3']);
      expect(result.timedOut).toBe(false);
      expect(summary(result)).toEqual({ code: 124, stdout: '', stderr: `mtr: timed out after 0.3 s waiting for job ${name} (it goes on)\n` });
      expect(processesRunning(marker)).toHaveLength(1);
    });

    it('--kill stops it: exit 0, --jobs shows it exited, processes and session gone', async () => {
      const result = await mtrVia(['--kill', name]);
      expectCode(result, 0);
      const job = await findJob(name);
      expect(job?.state).toBe('exited');
      expect([130, 143, 137]).toContain(job?.exitCode);
      // `sh -c` passes Ctrl+C to its sleep: SIGINT is enough, and the line says so.
      expect(result.stderr).toBe(`mtr: job ${name} stopped (SIGINT, exit ${job?.exitCode})\n`);
      expect(processesRunning(marker)).toEqual([]);
      expect(tmux(sshd, ['has-session', '-t', `=${name}`])).toBe(false);
      const table = await mtrVia(['--jobs']);
      expect(table.stdout).toMatch(new RegExp(`^${name}\\s+exited (130|143|137)\\s`, 'm'));
    });

    it('--kill of a finished job is a no-op that succeeds, and says it had ended', async () => {
      const result = await mtrVia(['--kill', name]);
      expectCode(result, 0);
      expect(result.stderr).toMatch(new RegExp(`^mtr: job ${name} had already ended \\(exit (130|143|137)\\); nothing to stop\n$`));
    });
  });

  describe('batch output through the job', () => {
    it('keeps stdout and stderr apart, byte for byte, without a trailing newline', async () => {
      const result = await run(['sh', '-c', 'printf "out1\\n"; printf "err1\\n" >&2; printf "out2"; printf "err2" >&2']);
      expect(summary(result)).toEqual({ code: 0, stdout: 'out1\nout2', stderr: 'err1\nerr2' });
    });

    it('passes binary bytes exactly: NUL, 0xff, CR LF, lone LF (no CRLF conversion)', async () => {
      const result = await run(['printf', 'a\\000b\\377\\r\\nc\\nd\\r']);
      expect(result.stdoutBuf).toEqual(Buffer.from('a\x00b\xff\r\nc\nd\r', 'latin1'));
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    });

    it.each([0, 1, 3, 42, 255])('exits with the exact code %i', async (code) => {
      const result = await run(['sh', '-c', `echo x; exit ${code}`]);
      expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: 'x\n' });
    });

    it('feeds piped stdin to the command (binary, no trailing newline), then EOF', async () => {
      const input = Buffer.from('line1\r\nbin\x00\xff\x1a\x03end', 'latin1');
      const result = await run(['cat'], input);
      expect(result.stdoutBuf).toEqual(input);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    });

    it('feeds 2 MB of piped stdin completely', async () => {
      const input = randomBytes(2 * 1024 * 1024);
      const result = await run(['sh', '-c', 'sha256sum | cut -d" " -f1'], input);
      expect(summary(result)).toEqual({ code: 0, stdout: `${sha256(input)}\n`, stderr: '' });
    });

    it('delivers 5 MB on stdout and 1 MB on stderr completely', async () => {
      // The "remote" is this machine, so the command can read a file the test wrote.
      const bytes = randomBytes(5 * 1024 * 1024);
      const file = path.join(fs.mkdtempSync(path.join(sshd.remoteRoot, 'big-')), 'blob.bin');
      fs.writeFileSync(file, bytes);
      const result = await run(['sh', '-c', 'head -c 5242880 "$1"; head -c 1000000 "$1" >&2', 'sh', file]);
      expect(result.code, result.stderr.slice(0, 500)).toBe(0);
      expect({ length: result.stdoutBuf.length, sha: sha256(result.stdoutBuf) }).toEqual({ length: bytes.length, sha: sha256(bytes) });
      expect(result.stderrBuf.equals(bytes.subarray(0, 1_000_000))).toBe(true);
    }, 60_000);
  });

  describe('names and commands are never shell', () => {
    const markerDir = () => fs.mkdtempSync(path.join(sshd.remoteRoot, 'pwn-'));
    const badNames = (marker: string) => [
      `x;touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `x' ; touch ${marker}; '`,
      `x" ; touch ${marker}; "`,
      'a b',
      '../escape',
      '=prefix',
      'x'.repeat(65),
      '',
    ];

    it.each(['--name', '--logs', '--wait', '--kill', '--attach'])('%s with a hostile name is refused (exit 2), nothing runs', async (flag) => {
      const dir = markerDir();
      const marker = path.join(dir, 'pwned');
      // Refused before anything connects: the runs are independent, so they go at once.
      const bads = badNames(marker);
      const results = await Promise.all(bads.map((bad) => mtr(flag === '--name' ? ['--no-sync', '--name', bad, 'echo', 'RAN'] : [flag, bad])));
      results.forEach((result, i) => {
        expect(summary(result), `${flag} ${bads[i]}`).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/invalid job name/) });
      });
      expect(fs.readdirSync(dir)).toEqual([]);
      expect(fs.readdirSync(JOBS_DIR).filter((entry) => /touch|escape|prefix/.test(entry))).toEqual([]);
    });

    it('an argv with $(), backticks, ; and quotes arrives as text, batch and detached, and is listed as typed', async () => {
      const dir = markerDir();
      const argv = ['echo', `$(touch ${dir}/a)`, `\`touch ${dir}/b\``, ';', 'touch', `${dir}/c`, "it's", '"q"', '$HOME'];
      const expected = `${argv.slice(1).join(' ')}\n`;
      expect(summary(await run(argv))).toEqual({ code: 0, stdout: expected, stderr: '' });

      const name = newName('quotes');
      expectCode(await detach(name, argv), 0);
      expectCode(await mtr(['--wait', name]), 0);
      expect(summary(await mtr(['--logs', name]))).toEqual({ code: 0, stdout: expected, stderr: '' });
      expect((await findJob(name))?.command).toEqual(argv);
      expect(fs.readdirSync(dir)).toEqual([]);
    });
  });

  it('an unknown name: exit 2, lists recent jobs and points to `mtr --jobs`', async () => {
    const known = newName('known');
    expectCode(await run(['--name', known, 'true']), 0);
    const missing = `nope-xyz-${randomBytes(3).toString('hex')}`;
    const flags = ['--logs', '--wait', '--kill'];
    const results = await Promise.all(flags.map((flag) => mtr([flag, missing])));
    for (const [i, result] of results.entries()) {
      const flag = flags[i];
      expect(result.code, `${flag}: ${result.stderr}`).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`no job named ${missing}`);
      expect(result.stderr).toMatch(new RegExp(`recent: [^)]*\\b${known}\\b`));
      expect(result.stderr).toContain('mtr --jobs');
    }
  });

  it('a duplicate --name while running: exit 2 with a clear message; the running job is untouched', async () => {
    const name = newName('dup');
    const marker = uniqueSleep();
    expectCode(await detach(name, ['sh', '-c', `echo first; ${marker}`]), 0);
    await eventually(`${marker} to run`, () => processesRunning(marker).length === 1);
    const meta = readJobFile(name, 'meta.json');

    const attempts = [['--name', name, 'echo', 'second'], ['-d', '--name', name, 'echo', 'second']];
    for (const result of await Promise.all(attempts.map((args) => run(args)))) {
      expectCode(result, 2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`a job named ${name} is already running`);
      expect(result.stderr).toContain(`mtr --kill ${name}`);
    }
    expect(processesRunning(marker)).toHaveLength(1);
    expect(readJobFile(name, 'meta.json')).toBe(meta);
    expect(readJobFile(name, 'out')).toBe('first\n');
    expectCode(await mtr(['--kill', name]), 0);
  });

  it('reuses the name of a finished job', async () => {
    const name = newName('reuse');
    expect(summary(await run(['--name', name, 'echo', 'one']))).toEqual({ code: 0, stdout: 'one\n', stderr: '' });
    expect(summary(await run(['--name', name, 'sh', '-c', 'echo two; exit 4']))).toEqual({ code: 4, stdout: 'two\n', stderr: '' });
    expect(summary(await mtr(['--logs', name]))).toEqual({ code: 0, stdout: 'two\n', stderr: '' });
  });

  describe('a server without tmux', () => {
    let server: ReducedSshd | undefined;
    let noTmux: Project;

    beforeAll(async () => {
      server = await startSshdWithout(sshd, ['tmux']);
      noTmux = makeProject({ sshd: { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine } });
    });
    afterAll(async () => {
      await stopSshdWithout(server);
      if (server) fs.rmSync(server.dir, { recursive: true, force: true });
    });

    it('the rig really hides tmux from the login shell', async () => {
      // Probed with the same `command -v` the start script uses, but through the fallback path.
      const result = await noTmux.run(['--no-sync', 'command -v tmux || echo none']);
      expect(result.stdout).toBe('none\n');
    });

    it('a run falls back to a direct command: one stderr notice, exact output and exit code', async () => {
      const result = await noTmux.run(['--no-sync', 'sh', '-c', 'printf out; echo err >&2; exit 4']);
      expectCode(result, 4);
      expect(result.stdout).toBe('out');
      const lines = result.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^mtr: tmux not found on test; .*without a job/);
      expect(lines[1]).toBe('err');
    });

    it('piped stdin still reaches the command', async () => {
      const result = await noTmux.run(['--no-sync', 'cat'], { input: 'in\x00put' });
      expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: 'in\x00put' });
      expect(result.stderr).toMatch(/^mtr: tmux not found on test; [^\n]*\n$/);
    });

    it('--detach fails with a clear message (exit 2) and leaves no record', async () => {
      const name = newName('notmux');
      const result = await noTmux.run(['--no-sync', '-d', '--name', name, 'echo', 'hi']);
      expectCode(result, 2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/tmux is not installed on test/);
      expect(result.stderr).toContain('--detach');
      expect(fs.existsSync(path.join(JOBS_DIR, name))).toBe(false);
    });
  });
});

// A second sshd with the rig's keys whose sessions get a PATH without tmux. On merged-/usr systems
// tmux is in /bin too, so PATH is a directory of links to everything in /usr/bin but tmux.
