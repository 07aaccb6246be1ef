// What users see when something is wrong: one short `mtr: …` message (plus a fix), the documented
// exit code, no stack trace and no secret. Config and usage errors need no server; connection,
// authentication and host key errors run against the real test sshd.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MTR_BIN, REPO_ROOT, makeProject, runMtr, spawnProcess, type Project, type RunResult } from '../support/mtr.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-errors-'));
  tempDirs.push(dir);
  return dir;
}

/** A folder with `.mtr/config.yaml` = `yaml`; no server behind it. */
function writeProject(yaml: string): string {
  const root = makeTempDir();
  fs.mkdirSync(path.join(root, '.mtr'));
  fs.writeFileSync(path.join(root, '.mtr', 'config.yaml'), yaml);
  return root;
}

/** One `mtr: …` message of at most `maxLines` lines, the exit code, nothing on stdout, no stack. */
function expectUserError(result: RunResult, code: number, message: RegExp, maxLines = 3): void {
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(/^mtr: /);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/internal error|please report/i);
  expect(result.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(maxLines);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(code);
}

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

/** A TCP server that accepts connections and never says a word (no SSH banner). */
async function startSilentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      sockets.forEach((socket) => socket.destroy());
      server.close(() => resolve());
    });
  return { port, close };
}

/** `SHA256:…` of a `type base64` public key, as `ssh-keygen -lf` prints it. */
function fingerprintOf(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Deterministic bytes that are not text (every value 0–255). */
function randomBytesFor(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 131 + 7) % 256));
}

function sshKeygen(args: string[]): void {
  const result = spawnSync('ssh-keygen', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed: ${result.stderr}`);
}

// Each row is its own mtr in its own folder, refused before anything connects: they run at once.
describe('usage errors', () => {
  const cwd = () => makeTempDir();
  it.concurrent.each([
    ['no command', [], /no command given[\s\S]*usage: mtr/],
    ['only options, no command', ['--no-sync', '-s', 'gpu'], /no command given[\s\S]*usage: mtr/],
    ['unknown option', ['--bogus', 'echo'], /unknown option '--bogus'/],
    ['option without its value', ['-s'], /argument missing/],
    ['--force without --init', ['--force', 'echo', 'hi'], /--force only applies to --init/],
    ['--init with a command', ['--init', 'echo'], /--init takes no command/],
  ])('%s → exit 2', async (_name, args, message) => {
    expectUserError(await runMtr(args, { cwd: cwd() }), 2, message);
  });

  it('--version prints the package.json version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runMtr(['--version'], { cwd: cwd() });
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('config errors', () => {
  const config = (port: string) => ['servers:', '  x:', '    host: 127.0.0.1', `    port: ${port}`, ''].join('\n');
  it.concurrent.each([
    ['unknown server lists the configured ones', config('22') + '  y:\n    host: h\n', ['-s', 'nope'], {}, /unknown server "nope" \(configured: x, y\)/],
    ['unknown MTR_SERVER names the variable', config('22'), [], { MTR_SERVER: 'nope' }, /unknown server "nope"[\s\S]*MTR_SERVER/],
    ['bad YAML points at file:line:col', 'servers:\n  x: {host: [unclosed\n', [], {}, /\.mtr\/config\.yaml:\d+:\d+: /],
    [
      'wrong type names file:line, path and expectation',
      config('seventy'),
      [],
      {},
      /^mtr: \.mtr\/config\.yaml:4: servers\.x\.port: expected an integer 1.65535, got "seventy"$/m,
    ],
    ['unknown default', 'default: gpu\n' + config('22'), [], {}, /config\.yaml:1: default: "gpu" is not a configured server/],
  ])('%s → exit 2', async (_name, yaml, flags, env, message) => {
    const result = await runMtr([...flags, '--no-sync', 'echo', 'hi'], { cwd: writeProject(yaml), env });
    expectUserError(result, 2, message);
  });

  it('config.yaml that is a folder → exit 2, says so (not "no config found"), with the fix', async () => {
    const root = makeTempDir();
    fs.mkdirSync(path.join(root, '.mtr', 'config.yaml'), { recursive: true });
    const result = await runMtr(['--no-sync', 'echo', 'hi'], { cwd: root });
    expectUserError(result, 2, /^mtr: \.mtr\/config\.yaml is a folder, not a file\n {2}fix: remove or rename that folder/);
    expect(result.stderr).not.toMatch(/no \.mtr\/config\.yaml found/);
  });

  // chmod 000 does not stop root, so as root the run is made as another user (runuser).
  it('an unreadable .mtr/ → exit 2, names the folder and the chmod fix', async () => {
    const root = makeTempDir();
    fs.chmodSync(root, 0o755);
    fs.mkdirSync(path.join(root, '.mtr'));
    fs.writeFileSync(path.join(root, '.mtr', 'config.yaml'), 'servers: {x: {host: h}}\n');
    fs.chmodSync(path.join(root, '.mtr'), 0o000);
    const home = makeTempDir();
    fs.chmodSync(home, 0o777);
    const asOther = process.getuid?.() === 0;
    if (asOther && spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status !== 0) {
      const reason = 'running as root and `runuser -u nobody` does not work here';
      if (process.env.CI) throw new Error(reason);
      process.stderr.write(`\n!!! errors e2e: SKIPPING the unreadable .mtr/ case: ${reason}\n\n`);
      return;
    }
    const [command, args] = asOther
      ? ['runuser', ['-u', 'nobody', '--', 'env', `HOME=${home}`, process.execPath, MTR_BIN]]
      : [process.execPath, [MTR_BIN]];
    try {
      const result = await spawnProcess(command, [...args, '--no-sync', 'echo', 'hi'], { cwd: root, env: { HOME: home } }).result;
      expectUserError(result, 2, /^mtr: cannot look inside \.mtr\/ \(permission denied\), so its config\.yaml cannot be read\n {2}fix: give yourself access: `chmod u\+rwx \.mtr`\n$/);
    } finally {
      fs.chmodSync(path.join(root, '.mtr'), 0o755);
    }
  });

  it('a binary config → exit 2, "not a text file" with line:col; no byte of it echoed', async () => {
    const root = makeTempDir();
    fs.mkdirSync(path.join(root, '.mtr'));
    // Escape sequences, NULs and invalid UTF-8 among text: what a terminal must never be sent.
    const garbage = Buffer.concat([Buffer.from('servers:\n  x: '), Buffer.from('\u001b]0;owned\u0007\u001b[2J'), Buffer.alloc(64), randomBytesFor(200_000)]);
    fs.writeFileSync(path.join(root, '.mtr', 'config.yaml'), garbage);
    const result = await runMtr(['--no-sync', 'echo', 'hi'], { cwd: root });
    expectUserError(result, 2, /^mtr: \.mtr\/config\.yaml is not a text file \(control byte 0x1b at line 2, column 6\)\n {2}fix: .*mtr --init --force/);
    expect(result.stderrBuf.length).toBeLessThan(300);
    expect([...result.stderrBuf].filter((b) => b < 0x20 && b !== 0x0a)).toEqual([]);
  });

  it('no config anywhere up the tree → exit 2, suggests `mtr --init`', async () => {
    const cwd = path.join(makeTempDir(), 'a', 'b');
    fs.mkdirSync(cwd, { recursive: true });
    expectUserError(await runMtr(['--no-sync', 'echo', 'hi'], { cwd }), 2, /no \.mtr\/config\.yaml found[\s\S]*mtr --init/);
  });
});

describe('mtr --init', () => {
  it('writes the config, refuses to overwrite it, and overwrites with --force', async () => {
    const cwd = makeTempDir();
    const file = path.join(cwd, '.mtr', 'config.yaml');

    const first = await runMtr(['--init'], { cwd });
    expect(first.code).toBe(0);
    const template = fs.readFileSync(file, 'utf8');
    expect(template).toMatch(/^servers:$/m);

    fs.writeFileSync(file, 'servers: {mine: {host: keep.me}}\n');
    expectUserError(await runMtr(['--init'], { cwd }), 2, /already exists[\s\S]*--force/);
    expect(fs.readFileSync(file, 'utf8')).toBe('servers: {mine: {host: keep.me}}\n');

    const forced = await runMtr(['--init', '--force'], { cwd });
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(template);
  });
});

describeE2E('connection errors', (sshd: SshdInfo) => {
  const knownHostsOf = (p: Project) => path.join(p.home, '.ssh', 'known_hosts');
  const run = (p: Project, extra: string[] = []) => p.run(['--no-sync', ...extra, 'echo', 'ok'], { timeoutMs: 15_000 });

  describe('host keys', () => {
    it('unknown host key in batch mode → 255 with the fingerprint and the fix; nothing runs', async () => {
      const p = makeProject({ sshd });
      fs.writeFileSync(knownHostsOf(p), '');
      const result = await run(p);
      expectUserError(result, 255, /host key of \[127\.0\.0\.1\]:\d+ is not known/);
      expect(result.stderr).toContain(fingerprintOf(sshd.hostKeyPub));
      expect(result.stderr).toContain('strict_host_key_checking: accept-new');
      expect(fs.existsSync(p.remoteDir)).toBe(false);
    });

    it('accept-new records the key and works; the next run says nothing', async () => {
      const p = makeProject({ sshd, servers: { test: { strict_host_key_checking: 'accept-new' } } });
      fs.rmSync(knownHostsOf(p));

      const first = await run(p);
      expect(first.stdout).toBe('ok\n');
      expect(first.stderr).toContain(fingerprintOf(sshd.hostKeyPub));
      expect(first.code).toBe(0);
      expect(fs.readFileSync(knownHostsOf(p), 'utf8')).toContain(sshd.knownHostsLine);
      // OpenSSH itself can find the recorded entry.
      expect(spawnSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', knownHostsOf(p)]).status).toBe(0);

      const second = await run(p);
      expect(second).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
    });

    it('CHANGED host key → 255 "HOST KEY CHANGED", nothing runs remotely', async () => {
      const p = makeProject({ sshd });
      const other = path.join(p.home, 'other_host_key');
      sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-f', other]);
      const otherPub = fs.readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
      fs.writeFileSync(knownHostsOf(p), `[127.0.0.1]:${sshd.port} ${otherPub}\n`);
      const marker = path.join(fs.mkdtempSync(path.join(sshd.remoteRoot, 'changed-')), 'ran');

      const result = await p.run(['--no-sync', 'touch', marker], { timeoutMs: 15_000 });
      expectUserError(result, 255, /HOST KEY CHANGED/);
      expect(result.stderr).toContain(fingerprintOf(sshd.hostKeyPub));
      expect(fs.existsSync(marker)).toBe(false);
      expect(fs.existsSync(p.remoteDir)).toBe(false);
    });

    it('@revoked host key → 255 with file:line and a fix line; nothing runs remotely', async () => {
      const p = makeProject({ sshd });
      fs.appendFileSync(knownHostsOf(p), `@revoked [127.0.0.1]:${sshd.port} ${sshd.hostKeyPub.split(/\s+/).slice(0, 2).join(' ')}\n`);
      const marker = path.join(fs.mkdtempSync(path.join(sshd.remoteRoot, 'revoked-')), 'ran');
      const result = await p.run(['--no-sync', 'touch', marker], { timeoutMs: 15_000 });
      expectUserError(result, 255, /^mtr: host key of \[127\.0\.0\.1\]:\d+ \(\S+ SHA256:\S+\) is marked @revoked in .*known_hosts:\d+; refusing to connect\n {2}fix: .*ask the server's admin/);
      expect(result.stderr).toContain(fingerprintOf(sshd.hostKeyPub));
      expect(fs.existsSync(marker)).toBe(false);
    });

    it('accepts a hashed known_hosts entry (ssh-keygen -H)', async () => {
      const p = makeProject({ sshd });
      sshKeygen(['-H', '-f', knownHostsOf(p)]);
      expect(fs.readFileSync(knownHostsOf(p), 'utf8')).toMatch(/^\|1\|/);
      expect(await run(p)).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
    });
  });

  describe('authentication', () => {
    const passwordTitle = `wrong password${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`;
    it.skipIf(!sshd.password)(`${passwordTitle} → 255, says what was tried, never prints it`, async () => {
      const wrong = 'wrong-Secret-4711';
      const user = sshd.password!.user;
      const p = makeProject({ sshd, servers: { pw: { user, password: wrong, key_filename: undefined } } });
      const result = await run(p, ['--log-file', 'debug.log']);
      expectUserError(result, 255, new RegExp(`authentication failed for ${user}@127\\.0\\.0\\.1:\\d+ \\(tried: [^)]*password`));
      expect(result.stderr).not.toContain(wrong);
      expect(fs.readFileSync(path.join(p.root, 'debug.log'), 'utf8')).not.toContain(wrong);
    });

    it.each([
      ['missing key_filename', path.join(sshd.localRoot, 'no-such-key'), 'cannot be read'],
      ['a public key as key_filename', `${sshd.clientKey}.pub`, 'is not a private key'],
    ])('%s → exit 2, a clear message naming the file', async (_name, keyFile, problem) => {
      const p = makeProject({ sshd, servers: { test: { key_filename: keyFile } } });
      const result = await run(p);
      expect(result.timedOut).toBe(false);
      expectUserError(result, 2, /^mtr: key_filename /);
      expect(result.stderr).toContain(`key_filename ${keyFile} ${problem}`);
    });
  });

  describe('network', () => {
    it('closed port → 255 "connection refused", quickly', async () => {
      const p = makeProject({ sshd, servers: { test: { port: await findClosedPort() } } });
      const result = await p.run(['--no-sync', 'echo', 'ok'], { timeoutMs: 10_000 });
      expect(result.timedOut).toBe(false);
      expectUserError(result, 255, /cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    });

    it('a server that never speaks SSH → 255 handshake timeout after connect_timeout', async () => {
      const silent = await startSilentServer();
      try {
        const p = makeProject({ sshd, servers: { test: { port: silent.port, connect_timeout: 1 } } });
        const result = await p.run(['--no-sync', 'echo', 'ok'], { timeoutMs: 10_000 });
        expect(result.timedOut).toBe(false);
        expectUserError(result, 255, /timed out after 1 s waiting for the SSH handshake/);
      } finally {
        await silent.close();
      }
    });
  });
});
