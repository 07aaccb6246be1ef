// `mtr --session NAME CMD…` end to end against the real sshd and tmux: state that carries over
// (cd, export, a function, an activated venv), the batch contract per command (stdout and stderr
// exact and separate, exit codes, piped stdin), Ctrl+C stopping the command and not the shell,
// `exit N`, --jobs --json and --kill. The "remote" is this machine.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeProject, type Project, type RunResult } from '../support/mtr.js';
import { mtrCommand, withTerminal } from '../support/local-tmux.js';
import { processTable } from '../support/processes.js';
import { JOBS_DIR, type SshdInfo, describeE2E } from '../support/sshd.js';
import { eventually } from '../support/eventually.js';

const summary = (result: RunResult) => ({ code: result.code, stdout: result.stdout, stderr: result.stderr });

function tmux(sshd: SshdInfo, args: string[]): boolean {
  try {
    execFileSync('tmux', ['-L', 'mtr', ...args], { env: { ...process.env, TMUX_TMPDIR: sshd.tmuxTmpDir }, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// python3 -m venv where this machine has it, else an activate script that does what matters here.
function hasVenv(): boolean {
  try {
    execFileSync('python3', ['-m', 'venv', '--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface ListedJob {
  name: string;
  state: string;
  kind?: string;
}

describeE2E('mtr --session (tmux, --no-sync)', (sshd) => {
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd, createRemoteDir: true }));
  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-sess-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };
  const inSession = (name: string, argv: string[], input?: string) =>
    project().run(['--no-sync', '--session', name, ...argv], { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });
  const listJobs = async (): Promise<ListedJob[]> => {
    const result = await project().run(['--jobs', '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as ListedJob[];
  };

  afterAll(() => {
    for (const name of names) {
      tmux(sshd, ['kill-session', '-t', `=${name}`]);
      fs.rmSync(path.join(JOBS_DIR, name), { recursive: true, force: true });
    }
  });

  describe('state carries over', () => {
    const name = newName('state');

    it('cd, export and a function reach the next command', async () => {
      fs.mkdirSync(path.join(project().remoteDir, 'sub'), { recursive: true });
      expect(summary(await inSession(name, ['cd sub && export GREETING=hello && greet() { echo "$GREETING from $1"; }']))).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(summary(await inSession(name, ['pwd; greet session']))).toEqual({ code: 0, stdout: `${path.join(project().remoteDir, 'sub')}\nhello from session\n`, stderr: '' });
    });

    it('an activated venv stays active', async () => {
      const venv = path.join(project().remoteDir, 'venv');
      if (hasVenv()) {
        execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
      } else {
        fs.mkdirSync(path.join(venv, 'bin'), { recursive: true });
        fs.writeFileSync(path.join(venv, 'bin', 'activate'), `export VIRTUAL_ENV=${venv}\nexport PATH="$VIRTUAL_ENV/bin:$PATH"\n`);
      }
      expect(summary(await inSession(name, [`. ${venv}/bin/activate`]))).toEqual({ code: 0, stdout: '', stderr: '' });
      const result = await inSession(name, ['echo "$VIRTUAL_ENV"; command -v python3 || command -v python || echo none']);
      expect(result.code, result.stderr).toBe(0);
      const [active, python] = result.stdout.trimEnd().split('\n');
      expect(active).toBe(venv);
      if (hasVenv()) expect(python?.startsWith(`${venv}/bin/`), python).toBe(true);
    });

    it('stdout and stderr are exact and separate, with the exit code', async () => {
      const result = await inSession(name, ['printf "out\\n\\0raw"; printf "err line\\n" >&2; false']);
      expect(result.code).toBe(1);
      expect(result.stdoutBuf.equals(Buffer.from('out\n\0raw'))).toBe(true);
      expect(result.stderr).toBe('err line\n');
      expect(summary(await inSession(name, ['sh', '-c', 'exit 7']))).toEqual({ code: 7, stdout: '', stderr: '' });
    });

    it('piped stdin reaches the command', async () => {
      expect(summary(await inSession(name, ['tr a-z A-Z'], 'piped text\nsecond\n'))).toEqual({ code: 0, stdout: 'PIPED TEXT\nSECOND\n', stderr: '' });
      // and the state is still there afterwards
      expect(summary(await inSession(name, ['echo $GREETING']))).toEqual({ code: 0, stdout: 'hello\n', stderr: '' });
    });

    it('Ctrl+C stops the command (130), not the shell', async () => {
      const running = project().spawn(['--no-sync', '--session', name, 'echo ready; sleep 600; echo never'], { timeoutMs: 60_000 });
      let seen = '';
      running.child.stdout?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      await eventually('the command to print ready', () => seen.includes('ready'), 20_000);
      process.kill(running.child.pid!, 'SIGINT');
      const result = await running.result;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stdout).toBe('ready\n');
      expect(summary(await inSession(name, ['echo $GREETING; pwd']))).toEqual({ code: 0, stdout: `hello\n${path.join(project().remoteDir, 'sub')}\n`, stderr: '' });
    });

    it('SIGTERM of mtr stops the command (143), not the shell', async () => {
      const running = project().spawn(['--no-sync', '--session', name, 'echo ready; sleep 600; echo never'], { timeoutMs: 60_000 });
      let seen = '';
      running.child.stdout?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      await eventually('the command to print ready', () => seen.includes('ready'), 20_000);
      process.kill(running.child.pid!, 'SIGTERM');
      const result = await running.result;
      expect(result.code, result.stderr).toBe(143);
      expect(summary(await inSession(name, ['echo $GREETING']))).toEqual({ code: 0, stdout: 'hello\n', stderr: '' });
    });

    it('a second command while one runs waits its turn', async () => {
      const gate = path.join(project().remoteDir, `gate-${randomBytes(3).toString('hex')}`);
      const commands = path.join(JOBS_DIR, name, 'c');
      const count = () => fs.readdirSync(commands).length;
      const before = count();
      const first = project().spawn(['--no-sync', '--session', name, `while [ ! -f ${gate} ]; do sleep 0.05; done; echo first`], { timeoutMs: 60_000 });
      await eventually('the first command to be handed over', () => count() === before + 1, 20_000);
      const second = project().spawn(['--no-sync', '--session', name, `test -f ${gate} && echo second`], { timeoutMs: 60_000 });
      await eventually('the second command to be handed over', () => count() === before + 2, 20_000);
      fs.writeFileSync(gate, '');
      expect(summary(await first.result)).toEqual({ code: 0, stdout: 'first\n', stderr: '' });
      expect(summary(await second.result)).toEqual({ code: 0, stdout: 'second\n', stderr: '' });
    });

    it('--jobs --json shows it as a running session', async () => {
      const job = (await listJobs()).find((j) => j.name === name);
      expect(job).toMatchObject({ name, state: 'running', kind: 'session' });
    });

    it('exit 3 ends the session with 3', async () => {
      expect((await inSession(name, ['exit 3'])).code).toBe(3);
      const job = (await listJobs()).find((j) => j.name === name);
      expect(job?.state).not.toBe('running');
      expect(tmux(sshd, ['has-session', '-t', `=${name}`])).toBe(false);
    });

    it('the next command starts a fresh shell', async () => {
      expect(summary(await inSession(name, ['echo "[$GREETING]"; pwd']))).toEqual({ code: 0, stdout: `[]\n${project().remoteDir}\n`, stderr: '' });
    });
  });

  it('--kill ends the session', async () => {
    const name = newName('kill');
    expect(summary(await inSession(name, ['export A=1']))).toEqual({ code: 0, stdout: '', stderr: '' });
    // A command still running in it ends with the shell: its mtr gets the session's 129.
    const running = project().spawn(['--no-sync', '--session', name, 'echo ready; sleep 600'], { timeoutMs: 60_000 });
    let seen = '';
    running.child.stdout?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await eventually('the command to print ready', () => seen.includes('ready'), 20_000);
    const killed = await project().run(['--kill', name]);
    expect(summary(killed)).toEqual({ code: 0, stdout: '', stderr: `mtr: job ${name} stopped (SIGHUP, exit 129)\n` });
    expect((await running.result).code).toBe(129);
    expect(tmux(sshd, ['has-session', '-t', `=${name}`])).toBe(false);
    expect((await listJobs()).find((j) => j.name === name)?.state).not.toBe('running');
  });

  it('--attach at a terminal opens the shell itself; `exit 5` there ends the session with 5', async () => {
    const name = newName('attach');
    expect(summary(await inSession(name, ['export X=attached']))).toEqual({ code: 0, stdout: '', stderr: '' });
    const terminal = { cwd: project().root, env: cleanEnv({ ...project().env, TERM: 'xterm-256color' }), command: mtrCommand(['--no-sync', '--attach', name]), cols: 100, rows: 30 };
    await withTerminal(terminal, async (t) => {
      await t.type('echo "[$X]"');
      await t.sendKeys('Enter');
      await t.waitFor(/^\[attached\]$/m, 20_000);
      await t.type('exit 5');
      await t.sendKeys('Enter');
      expect(await t.waitForExit(20_000)).toBe(5);
    });
    expect(tmux(sshd, ['has-session', '-t', `=${name}`])).toBe(false);
  }, 60_000);

  it('a running job that is not a session: refused (exit 2), the job left alone', async () => {
    const name = newName('batch');
    expect((await project().run(['--no-sync', '-d', '--name', name, 'sleep 600'])).code).toBe(0);
    const result = await inSession(name, ['echo never']);
    expect(summary(result)).toEqual({ code: 2, stdout: '', stderr: `mtr: job ${name} is running and is not a session; pick another --session name, or stop it with: mtr --kill ${name}\n` });
    expect(tmux(sshd, ['has-session', '-t', `=${name}`])).toBe(true);
    expect((await project().run(['--kill', name])).code).toBe(0);
  });

  it('a sync runs before each command', async () => {
    const name = newName('sync');
    const p = makeProject({ sshd, files: { 'data.txt': 'first\n' } });
    const run = (argv: string[]) => p.run(['--session', name, ...argv], { timeoutMs: 60_000 });
    expect(summary(await run(['cat data.txt']))).toEqual({ code: 0, stdout: 'first\n', stderr: '' });
    fs.writeFileSync(path.join(p.root, 'data.txt'), 'second\n');
    expect(summary(await run(['cat data.txt']))).toEqual({ code: 0, stdout: 'second\n', stderr: '' });
  });

  it('a failing pre_cmd: 125 with its message, and no session left running', async () => {
    const name = newName('pre');
    const p = makeProject({ sshd, servers: { test: { pre_cmd: 'echo "pre broke" >&2; false' } } });
    const result = await p.run(['--no-sync', '--session', name, 'echo never'], { timeoutMs: 60_000 });
    expect(result.code).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('pre broke');
    expect(result.stderr).toContain('pre_cmd failed');
  });

  describe('--timeout and --json', () => {
    const name = newName('bounds');

    it('--timeout stops the command, not the shell: 124, one line, the next command sees the state', async () => {
      expect((await inSession(name, ['export KEPT=yes'])).code).toBe(0);
      const marker = `sleep 3600.${Date.now() % 100000}`;
      const timed = await project().run(['--no-sync', '--session', name, '--timeout', '1', marker], { timeoutMs: 60_000 });
      expect(timed.code).toBe(124);
      expect(timed.stderr).toBe(`mtr: job ${name} stopped after --timeout 1 s\n`);
      const running = processTable().filter((p) => p.args === marker);
      expect(running).toEqual([]);
      expect(summary(await inSession(name, ['echo "$KEPT"']))).toEqual({ code: 0, stdout: 'yes\n', stderr: '' });
    });

    it('--json: one record with the exact output and code of the command', async () => {
      const result = await project().run(['--no-sync', '--json', '--session', name, 'printf out; printf err >&2; exit 3'], { timeoutMs: 60_000 });
      expect(result.code).toBe(3);
      const record = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(record).toMatchObject({ name, state: 'ended', exitCode: 3, stdout: 'out', stderr: 'err', truncated: false, sync: null });
    });
  });
});
