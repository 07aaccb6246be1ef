// `mtr --no-sync <command>` in batch mode against the real test sshd: exact bytes, exit codes and argv,
// remote directories, pre_cmd, stdin, password auth, server choice, --dry-run and the debug log.
// (Sync is tested elsewhere; every run here passes --no-sync.)
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, type MakeProjectOptions, type Project, type RunResult } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
function findClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A successful run: exit 0, nothing on stderr, and exactly `stdout`. */
function expectOk(result: RunResult, stdout: string): void {
  expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ code: 0, stderr: '', stdout });
}

const logFilesIn = (root: string): string[] => {
  const dir = path.join(root, '.mtr', 'logs');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [];
};

describeE2E('mtr run (batch, --no-sync)', (sshd) => {
  // One project serves the tests that don't care about config; made on first use, not at collection.
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd }));
  const mtr = (args: string[], options?: MakeProjectOptions) =>
    (options ? makeProject({ sshd, ...options }) : project()).run(['--no-sync', ...args]);

  describe('output and argv', () => {
    const words = ['a b', '$HOME', "it's", '$(id)', '`id`', ';', 'ünï', 'line\nbreak', '*', '~', '', '"q"', '\\'];
    it.each([
      ['echo hello', ['echo', 'hello'], 'hello\n'],
      ['argv arrives unchanged', ['printf', '[%s]', ...words], words.map((w) => `[${w}]`).join('')],
      ['one word is a shell line', ['echo a && echo b | tr b B'], 'a\nB\n'],
      ['options after the command belong to it', ['sh', '-c', 'echo "$0 $1"', '-s', 'x'], '-s x\n'],
      ["mtr's own flags after the command too", ['echo', '--dry-run', '--version', '-s', 'x'], '--dry-run --version -s x\n'],
    ])('%s', async (_name, args, stdout) => {
      expectOk(await mtr(args), stdout);
    });

    it('keeps stdout and stderr apart', async () => {
      const result = await mtr(['sh', '-c', 'echo out; echo err >&2']);
      expect(result.stdout).toBe('out\n');
      expect(result.stderr).toContain('err');
      expect(result.stderr).not.toContain('out');
      expect(result.code).toBe(0);
    });

    it('passes stdout bytes through exactly (NUL, 0xff, CR LF, no translation)', async () => {
      const result = await mtr(['printf', '\\000\\377\\r\\n']);
      expect(result.stdoutBuf).toEqual(Buffer.from([0x00, 0xff, 0x0d, 0x0a]));
      expect(result.code).toBe(0);
    });

    it('passes a large binary stream through exactly', async () => {
      // The "remote" is this machine, so the command can read a file the test wrote.
      const bytes = Buffer.alloc(256 * 1024, 0).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
      const file = path.join(fs.mkdtempSync(path.join(sshd.remoteRoot, 'bin-')), 'blob.bin');
      fs.writeFileSync(file, bytes);
      const result = await mtr(['cat', file]);
      expect(result.stdoutBuf.equals(bytes)).toBe(true);
      expect(result.code).toBe(0);
    });
  });

  describe('exit status', () => {
    it.each([
      ['true', ['true'], 0],
      ['its own exit code', ['sh', '-c', 'exit 7'], 7],
      ['a shell line exit code', ['false || exit 42'], 42],
      ['killed by SIGTERM → 128+15', ['sh', '-c', 'kill -TERM $$'], 143],
      ['killed by SIGKILL → 128+9', ['sh', '-c', 'kill -KILL $$'], 137],
      ['command not found', ['mtr-no-such-command-xyz'], 127],
      ['`--` ends mtr options: `--version` is a remote command', ['--', '--version'], 127],
    ])('%s → %i', async (_name, args, code) => {
      const result = await mtr(args);
      expect(result.stdout).toBe('');
      expect(result.code).toBe(code);
    });

    // As plain ssh words them: the shell names itself, never mtr's run.sh and its line numbers.
    it.each([
      ['a mistyped command', ['pyhton3', 'train.py'], /^bash: (line \d+: )?pyhton3: command not found\n$/],
      ['a killed command', ['sh', '-c', 'kill -KILL $$'], /^bash: (line \d+: )? *\d+ Killed +sh -c 'kill -KILL \$\$'\n$/],
    ])('%s: the error names the command', async (_name, args, stderr) => {
      const result = await mtr(args);
      expect(result.stderr).toMatch(stderr);
    });
  });

  describe('stdin', () => {
    it('forwards piped stdin, then EOF', async () => {
      expectOk(await project().run(['--no-sync', 'cat'], { input: 'abc' }), 'abc');
    });

    it('forwards binary stdin exactly', async () => {
      const input = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x1a, 0x03, 0x04, 0x80]);
      const result = await project().run(['--no-sync', 'cat'], { input });
      expect(result.stdoutBuf).toEqual(input);
      expect(result.code).toBe(0);
    });

    it('gives EOF at once when there is no stdin', async () => {
      const result = await project().run(['--no-sync', 'cat'], { timeoutMs: 15_000 });
      expect(result.timedOut).toBe(false);
      expectOk(result, '');
    });
  });

  describe('remote directory', () => {
    it('maps the local subfolder to the same subfolder of remote_dir, creating it', async () => {
      const p = makeProject({ sshd, files: { 'sub/dir/keep.txt': '' } });
      const result = await p.run(['--no-sync', 'pwd'], { cwd: path.join(p.root, 'sub', 'dir') });
      expectOk(result, `${p.remoteDir}/sub/dir\n`);
      expect(fs.statSync(path.join(p.remoteDir, 'sub', 'dir')).isDirectory()).toBe(true);
    });

    it('handles spaces, quotes and missing parents in remote_dir', async () => {
      const remoteDir = path.join(fs.mkdtempSync(path.join(sshd.remoteRoot, 'sp-')), 'a b', "it's", 'proj');
      expectOk(await mtr(['pwd'], { servers: { test: { remote_dir: remoteDir } } }), `${remoteDir}\n`);
      expect(fs.statSync(remoteDir).isDirectory()).toBe(true);
    });

    it('resolves ~/ in remote_dir under the remote HOME', async () => {
      // The key user is the local user, so the remote HOME is this user's passwd home.
      const home = os.userInfo().homedir;
      const name = `mtr-e2e-home-${process.pid}-${Date.now()}`;
      try {
        const result = await mtr(['printf "%s\\n" "$PWD"'], { servers: { test: { remote_dir: `~/${name}/p` } } });
        expectOk(result, `${path.join(home, name, 'p')}\n`);
      } finally {
        fs.rmSync(path.join(home, name), { recursive: true, force: true });
      }
    });
  });

  describe('pre_cmd', () => {
    it.each([
      ['exports reach the command', 'export GREETING="hi there"', 'echo "$GREETING"', 'hi there\n'],
      ['functions reach the command (same shell)', 'greet() { echo "hello $1"; }', 'greet you', 'hello you\n'],
      ['runs first, in remote_dir', 'echo "pre in $PWD"', 'echo main', (dir: string) => `pre in ${dir}\nmain\n`],
    ])('%s', async (_name, preCmd, command, expected) => {
      const p = makeProject({ sshd, servers: { test: { pre_cmd: preCmd } } });
      const stdout = typeof expected === 'function' ? expected(p.remoteDir) : expected;
      expectOk(await p.run(['--no-sync', command]), stdout);
    });

    it('stops with 125 and says so, with its own code and the fix, when it fails', async () => {
      const result = await mtr(['echo', 'SHOULD-NOT-RUN'], { servers: { test: { pre_cmd: '(exit 3)' } } });
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^mtr: pre_cmd failed \(exit 3\), so the command did not run\n {2}fix: pre_cmd runs in a non-interactive, non-login shell/);
      expect(result.code).toBe(125);
    });

    it('a missing conda: the shell names itself, not mtr\'s script, and the fix names conda\'s hook', async () => {
      const result = await mtr(['echo', 'SHOULD-NOT-RUN'], { servers: { test: { pre_cmd: 'conda activate torch' } } });
      const lines = result.stderr.split('\n');
      expect(lines[0]).toMatch(/^bash: (line \d+: )?conda: command not found$/);
      expect(lines[1]).toBe('mtr: pre_cmd failed (exit 127), so the command did not run');
      expect(lines[2]).toContain('eval "$(conda shell.bash hook)" && conda activate ENV');
      expect(result.stderr).not.toMatch(/run\.sh|wrap\.sh|mtr: line/);
      expect(result.code).toBe(125);
    });
  });

  const passwordTitle = `password auth${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`;
  describe.skipIf(!sshd.password)(passwordTitle, () => {
    it('logs in with only a password, which never shows in output or the log', async () => {
      const { user, password } = sshd.password!;
      const p = makeProject({ sshd, servers: { pw: { user, password, key_filename: undefined } } });
      const result = await p.run(['--no-sync', '--enable-log', 'whoami']);
      expectOk(result, `${user}\n`);
      const logs = logFilesIn(p.root);
      expect(logs).toHaveLength(1);
      const log = fs.readFileSync(logs[0]!, 'utf8');
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(password);
    });
  });

  describe('server choice', () => {
    const servers = Object.fromEntries(['one', 'two', 'three'].map((name) => [name, { pre_cmd: `WHICH=${name}` }]));
    it.each([
      ['`default:` when nothing else picks', 'two', [], {}, 'two'],
      ['the first server without `default:`', undefined, [], {}, 'one'],
      ['MTR_SERVER beats `default:`', 'two', [], { MTR_SERVER: 'three' }, 'three'],
      ['-s beats MTR_SERVER', 'two', ['-s', 'one'], { MTR_SERVER: 'three' }, 'one'],
      ['--server NAME', 'one', ['--server', 'three'], {}, 'three'],
    ])('%s', async (_name, defaultServer, flags, env, expected) => {
      const p = makeProject({ sshd, servers, config: { default: defaultServer } });
      expectOk(await p.run(['--no-sync', ...flags, 'echo "$WHICH"'], { env }), `${expected}\n`);
    });
  });

  describe('--dry-run', () => {
    it('prints server, command and masked password without connecting (closed port)', async () => {
      const port = await findClosedPort();
      const secret = 'dry-run-secret-4711';
      const p = makeProject({ sshd, servers: { gpu: { port, password: secret } } });
      const result = await p.run(['--dry-run', 'python3', 'train.py', '--epochs', '2']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^server: +gpu\b/m);
      expect(result.stdout).toContain(`@127.0.0.1:${port}`);
      expect(result.stdout).toContain('password ***');
      expect(result.stdout).toContain('python3 train.py --epochs 2');
      expect(result.stdout + result.stderr).not.toContain(secret);
    });

    it('creates nothing remotely', async () => {
      const p = makeProject({ sshd });
      const result = await p.run(['--dry-run', '--no-sync', 'touch', 'made-by-dry-run']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(p.remoteDir);
      expect(fs.existsSync(p.remoteDir)).toBe(false);
    });
  });

  describe('debug log', () => {
    it('--enable-log writes a file in .mtr/logs/', async () => {
      const p = makeProject({ sshd });
      expectOk(await p.run(['--no-sync', '--enable-log', 'echo', 'log-probe']), 'log-probe\n');
      const logs = logFilesIn(p.root);
      expect(logs).toHaveLength(1);
      expect(fs.readFileSync(logs[0]!, 'utf8')).toContain('log-probe');
    });

    it('--log-file PATH writes there (relative to the cwd) and not to .mtr/logs/', async () => {
      const p = makeProject({ sshd });
      expectOk(await p.run(['--no-sync', '--log-file', 'out/debug.log', 'echo', 'log-probe']), 'log-probe\n');
      expect(fs.readFileSync(path.join(p.root, 'out', 'debug.log'), 'utf8')).toContain('log-probe');
      expect(logFilesIn(p.root)).toEqual([]);
    });
  });
});
