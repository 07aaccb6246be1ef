// Long command lines end to end: every argument mtr itself can be given reaches the remote program
// byte-exact, on a fresh connection and through a shared one, with tmux and without. Linux passes
// at most 128 KiB in one argument and ~2 MB in all (more with a bigger stack limit) to any program,
// mtr included; a remote line that long cannot be one exec argument, so mtr sends it ahead as a file.
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTerminal } from '../support/local-tmux.js';
import { MTR_BIN, cleanEnv, makeProject, spawnProcess, type Project, type RunResult } from '../support/mtr.js';
import { eventually } from '../support/eventually.js';
import { startSshdWithout, stopSshdWithout } from '../support/sshd-without.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';

/** The longest single argument Linux lets a program receive (MAX_ARG_STRLEN, 32 pages, with its NUL). */
const MAX_ARG = 128 * 1024 - 1;

// Quotes, `$`, backslashes and newlines, so quoting on the way is exercised too (a `'` grows 4×).
function bigArg(bytes: number, seed: string): string {
  const unit = `${seed} it's "q" $HOME \`id\` \\ ; |&\n`;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

// Prints how many arguments arrived, their total bytes and a digest of them all.
const PY = "import sys,hashlib; a=sys.argv[1:]; print(len(a), sum(len(x.encode()) for x in a), hashlib.sha256('\\0'.join(a).encode()).hexdigest())";
const pyExpect = (args: string[]) => `${args.length} ${args.reduce((n, a) => n + Buffer.byteLength(a), 0)} ${sha256(args.join('\0'))}\n`;

/** The shared-connection sockets of runs whose XDG_RUNTIME_DIR is `runtime`. */
const socketsIn = (runtime: string) => {
  const dir = path.join(runtime, 'mtr');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.sock')).map((n) => path.join(dir, n)) : [];
};
const masterAlive = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;

function expectOk(result: RunResult, stdout: string): void {
  expect({ code: result.code, stderr: result.stderr, stdoutBytes: result.stdoutBuf.length }).toEqual({ code: 0, stderr: '', stdoutBytes: Buffer.byteLength(stdout) });
  expect(result.stdout === stdout, 'stdout is byte-exact').toBe(true);
}

/** No staged command or direct-run file of mtr's is left in the login user's ~/.mtr. */
function expectNothingLeft(): void {
  const mtr = path.join(os.userInfo().homedir, '.mtr');
  const stage = path.join(mtr, 'stage');
  expect(fs.existsSync(stage) ? fs.readdirSync(stage) : []).toEqual([]);
  // `.kept` is an older mtr's prune mark (now kept.count), not a staged file: another checkout's
  // mtr on the same account may still write it.
  expect(fs.readdirSync(path.join(mtr, 'jobs')).filter((n) => n.startsWith('.') && n !== '.kept')).toEqual([]);
}

describeE2E('large arguments', (sshd) => {
  const one = [bigArg(MAX_ARG, 'one')];
  // Just under 2 MB with the environment: what a default 8 MB stack lets a program receive.
  const many = Array.from({ length: 14 }, (_, i) => bigArg(130_000, `arg${i}`));

  // A runtime folder of the project's own (under the run's, which the run's end cleans up): its
  // master is told apart from those other test files start at the same time.
  async function warm(p: Project): Promise<void> {
    const runtime = fs.mkdtempSync(path.join(process.env.MTR_TEST_RUNTIME_DIR as string, 'big-'));
    p.env.XDG_RUNTIME_DIR = runtime;
    expect((await p.run(['--no-sync', 'true'])).code).toBe(0);
    await eventually('the shared master', () => socketsIn(runtime).some(masterAlive));
  }

  describe.each([
    ['a fresh connection (--no-reuse)', ['--no-reuse']],
    ['a shared connection', []],
  ])('over %s', (mode, flags) => {
    it.each([
      ['one 128 KiB argument', one],
      // The cold path sends the same staged file; once is enough for the big total.
      ...(flags.length ? [] : [['14 arguments, 1.8 MB', many] as [string, string[]]]),
    ])('%s reaches python3 byte-exact', async (_title, args) => {
      const p = makeProject({ sshd });
      if (!flags.length) await warm(p);
      const result = await p.run(['--no-sync', '--no-tty', ...flags, '--log-file', 'big.log', 'python3', '-c', PY, ...args], { timeoutMs: 60_000 });
      expectOk(result, pyExpect(args));
      const log = fs.readFileSync(path.join(p.root, 'big.log'), 'utf8');
      expect(log.includes('reusing the shared connection'), `${mode}: the log says whether it reused`).toBe(!flags.length);
      expectNothingLeft();
    });
  });

  it('a detached job with a 128 KiB argument (its start is a helper exec, not a stream)', async () => {
    const p = makeProject({ sshd });
    const name = `big-${randomBytes(4).toString('hex')}`;
    const started = await p.run(['--no-sync', '--detach', '--name', name, 'python3', '-c', PY, ...one]);
    expect({ code: started.code, stdout: started.stdout, stderr: started.stderr }).toEqual({ code: 0, stdout: `${name}\n`, stderr: '' });
    const record = path.join(os.userInfo().homedir, '.mtr', 'jobs', name);
    await eventually('the job to end', () => fs.existsSync(path.join(record, 'rc')));
    expect(fs.readFileSync(path.join(record, 'rc'), 'utf8')).toBe('0\n');
    expect(fs.readFileSync(path.join(record, 'out'), 'utf8')).toBe(pyExpect(one));
  });

  it('several MB when the local stack limit lets mtr receive them (the remote echoes with a builtin)', async () => {
    const args = Array.from({ length: 32 }, (_, i) => bigArg(125_000, `mb${i}`));
    const p = makeProject({ sshd });
    const file = path.join(p.root, '..', 'args.bin');
    fs.writeFileSync(file, args.map((a) => `${a}\0`).join(''));
    // Raise the limit in a shell, read the arguments with builtins, then exec mtr with them all.
    const launcher = 'ulimit -s unlimited || exit 97; mapfile -d "" -t a <"$1"; shift; exec "$@" "${a[@]}"';
    const command = [process.execPath, MTR_BIN, '--no-sync', '--no-tty', 'printf', '%s\\n'];
    const { result } = spawnProcess('bash', ['-c', launcher, 'bash', file, ...command], { cwd: p.root, env: p.env, timeoutMs: 90_000 });
    const run = await result;
    if (run.code === 97) throw new Error('`ulimit -s unlimited` is not allowed here: this test needs a stack limit that passes 4 MB of arguments');
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(sha256(run.stdoutBuf)).toBe(sha256(args.map((a) => `${a}\n`).join('')));
  });

  // At a terminal the command runs on a remote PTY: attached to a tmux job, or directly without tmux.
  describe.each([
    ['a tmux job', false],
    ['no tmux on the server', true],
  ])('at a terminal, %s', (_title, withoutTmux) => {
    it('a 128 KiB argument reaches python3 byte-exact', async () => {
      const server = withoutTmux ? await startSshdWithout(sshd, ['tmux']) : undefined;
      try {
        const p = makeProject({ sshd: server ? { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine } : sshd });
        const file = path.join(p.root, '..', 'arg.bin');
        fs.writeFileSync(file, `${one[0]}\0`);
        // The pane's command line cannot hold the argument either: a shell reads it from a file.
        const launcher = 'mapfile -d "" -t a <"$0"; exec "$@" "${a[@]}"';
        const command = ['bash', '-c', launcher, file, process.execPath, MTR_BIN, '--no-sync', '--no-reuse', 'python3', '-c', PY];
        await withTerminal({ cwd: p.root, env: cleanEnv({ ...p.env, TERM: 'xterm-256color' }), command, cols: 200, rows: 20 }, async (t) => {
          expect(await t.waitForExit(60_000)).toBe(0);
          expect(await t.capture()).toContain(pyExpect(one).trim());
        });
      } finally {
        if (server) {
          await stopSshdWithout(server);
          fs.rmSync(server.dir, { recursive: true, force: true });
        }
      }
      expectNothingLeft();
    });
  });

  it('without tmux on the server: the same argument, run directly', async () => {
    const server = await startSshdWithout(sshd, ['tmux']);
    try {
      const reduced: SshdInfo = { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine };
      const p = makeProject({ sshd: reduced });
      const result = await p.run(['--no-sync', '--no-tty', '--no-reuse', 'python3', '-c', PY, ...one]);
      expect(result.stderr).toMatch(/^mtr: tmux not found/);
      expectOk({ ...result, stderr: '' }, pyExpect(one));
      expectNothingLeft();
    } finally {
      await stopSshdWithout(server);
      fs.rmSync(server.dir, { recursive: true, force: true });
    }
  });
});
