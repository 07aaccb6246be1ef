// Job commands (--wait, --attach without a terminal, --logs --follow, --jobs) never read stdin, so
// what stdin is must not change their answer: an agent driving mtr from Python's subprocess with
// stdin=PIPE (closed at once, or left open), a shell pipe with data, a file and /dev/null all get
// the job's own exit code and output. The job waits for a `go` file so every waiter is connected
// (its poller runs on the server) before the job ends with 4.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanEnv, makeProject, MTR_BIN, type Project } from '../support/mtr.js';
import { processTable } from '../support/processes.js';
import { JOBS_DIR, type SshdInfo, describeE2E } from '../support/sshd.js';
import { eventually } from '../support/eventually.js';

const TIMEOUT = 60_000;

type StdinMode = 'python stdin=PIPE (closed at once)' | 'a pipe left open' | 'a pipe with data, then EOF' | 'a file' | '/dev/null';
const MODES: StdinMode[] = ['python stdin=PIPE (closed at once)', 'a pipe left open', 'a pipe with data, then EOF', 'a file', '/dev/null'];

interface Outcome {
  mode: StdinMode;
  code: number | null;
  stdout: string;
  stderr: string;
}

// Python's subprocess.run(stdin=PIPE) is how agents call tools: communicate() closes stdin at once.
const PYTHON_DRIVER = [
  'import subprocess, sys',
  'r = subprocess.run(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)',
  'sys.stdout.buffer.write(r.stdout)',
  'sys.stderr.buffer.write(r.stderr)',
  'sys.exit(r.returncode if r.returncode >= 0 else 128 - r.returncode)',
].join('\n');

// Runs `mtr ARGS` with the given stdin; resolves when it exits (killed after 20 s: a hang fails).
function runWithStdin(p: Project, args: string[], mode: StdinMode): { done: Promise<Outcome>; exited: () => boolean } {
  const argv = [MTR_BIN, ...args];
  const fileIn = path.join(p.root, `stdin-${randomBytes(3).toString('hex')}.txt`);
  fs.writeFileSync(fileIn, 'data nobody reads\n');
  const stdin =
    mode === 'a file' ? fs.openSync(fileIn, 'r') : mode === '/dev/null' ? 'ignore' : mode.startsWith('python') ? 'ignore' : 'pipe';
  const [command, commandArgs] = mode.startsWith('python') ? ['python3', ['-c', PYTHON_DRIVER, process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(command, commandArgs as string[], { cwd: p.root, env: cleanEnv(p.env), stdio: [stdin, 'pipe', 'pipe'] });
  if (typeof stdin === 'number') fs.closeSync(stdin);
  if (mode === 'a pipe with data, then EOF') child.stdin!.end('x\n');
  child.stdin?.on('error', () => undefined);
  let exited = false;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const done = new Promise<Outcome>((resolve) => {
    child.on('close', (code) => {
      exited = true;
      clearTimeout(timer);
      // A pipe left open is closed only now, after mtr has answered.
      child.stdin?.destroy();
      resolve({ mode, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
  return { done, exited: () => exited };
}

/** Remote scripts (wait/stream) polling job `name`, counted once per script (not their subshells). */
function pollerCount(name: string): number {
  const rows = processTable().filter((p) => p.state !== 'Z' && p.args.includes(`has-session -t =${name}`) && !p.args.startsWith('tmux'));
  const pids = new Set(rows.map((p) => p.pid));
  return rows.filter((p) => !pids.has(p.ppid)).length;
}

function tmuxKill(sshd: SshdInfo, name: string): void {
  try {
    execFileSync('tmux', ['-L', 'mtr', 'kill-session', '-t', `=${name}`], { env: { ...process.env, TMUX_TMPDIR: sshd.tmuxTmpDir }, stdio: 'ignore' });
  } catch {
    // no such session
  }
}

describeE2E('job commands whatever stdin is', (sshd) => {
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd, createRemoteDir: true }));
  const names: string[] = [];

  afterAll(() => {
    for (const name of names) {
      tmuxKill(sshd, name);
      fs.rmSync(path.join(JOBS_DIR, name), { recursive: true, force: true });
    }
  });

  // Starts a job that prints `ready`, waits for its `go` file, prints `done` and exits 4.
  async function startJob(): Promise<{ name: string; go: () => void }> {
    const name = `e2e-stdin-${randomBytes(3).toString('hex')}`;
    names.push(name);
    const go = path.join(project().remoteDir, `go-${name}`);
    const script = `echo ready; while [ ! -f ${go} ]; do sleep 0.05; done; echo done; echo oops >&2; exit 4`;
    const started = await project().run(['--no-sync', '-d', '--name', name, 'sh', '-c', script]);
    expect({ code: started.code, stderr: started.stderr }).toEqual({ code: 0, stderr: '' });
    return { name, go: () => fs.writeFileSync(go, '') };
  }

  // Every stdin mode at once against one running job; the job ends only once all are polling it.
  async function everyMode(args: (name: string) => string[]): Promise<Outcome[]> {
    const { name, go } = await startJob();
    const runs = MODES.map((mode) => runWithStdin(project(), ['--no-sync', ...args(name)], mode));
    // A run that exits early (the bug) counts as "ready" too: its wrong answer is the failure.
    await eventually(`${MODES.length} waiters on job ${name}`, () => pollerCount(name) + runs.filter((r) => r.exited()).length >= MODES.length, 20_000);
    go();
    return Promise.all(runs.map((r) => r.done));
  }

  const expectAll = (outcomes: Outcome[], want: Omit<Outcome, 'mode'>) =>
    expect(outcomes).toEqual(MODES.map((mode) => ({ mode, ...want })));

  it('--wait gives the job\'s exit code', async () => {
    expectAll(await everyMode((name) => ['--wait', name]), { code: 4, stdout: '', stderr: '' });
  }, TIMEOUT);

  it('--attach without a terminal streams the output and gives the exit code', async () => {
    expectAll(await everyMode((name) => ['--attach', name]), { code: 4, stdout: 'ready\ndone\n', stderr: 'oops\n' });
  }, TIMEOUT);

  it('--logs --follow streams until the job ends, then exits 0', async () => {
    expectAll(await everyMode((name) => ['--logs', name, '--follow']), { code: 0, stdout: 'ready\ndone\n', stderr: 'oops\n' });
  }, TIMEOUT);

  it('--wait on a job that has already ended gives its code at once; --jobs lists it', async () => {
    const { name, go } = await startJob();
    go();
    await eventually(`job ${name} to end`, () => fs.existsSync(path.join(JOBS_DIR, name, 'rc')));
    const [waits, lists] = await Promise.all([
      Promise.all(MODES.map((mode) => runWithStdin(project(), ['--no-sync', '--wait', name], mode).done)),
      Promise.all(MODES.map((mode) => runWithStdin(project(), ['--no-sync', '--jobs'], mode).done)),
    ]);
    expectAll(waits, { code: 4, stdout: '', stderr: '' });
    for (const listed of lists) {
      expect({ mode: listed.mode, code: listed.code, stderr: listed.stderr }).toEqual({ mode: listed.mode, code: 0, stderr: '' });
      expect(listed.stdout).toMatch(new RegExp(`^${name} +exited 4 `, 'm'));
    }
  }, TIMEOUT);
});
