// The test rig itself, proven with real OpenSSH clients, sshpass and rsync (no mtr involved).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanEnv, makeProject, spawnProcess, type RunOptions } from '../support/mtr.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';

const run = (command: string, args: string[], opts: Partial<RunOptions> = {}) =>
  spawnProcess(command, args, { cwd: opts.cwd ?? process.cwd(), timeoutMs: 20_000, ...opts }).result;

// Hermetic client options: no ~/.ssh/config, only the given known_hosts file, no agent, no prompts.
function sshOptions(sshd: SshdInfo, knownHosts: string): string[] {
  return [
    '-F', '/dev/null',
    '-p', String(sshd.port),
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'ConnectTimeout=10',
  ];
}

const keyOptions = (sshd: SshdInfo) => ['-i', sshd.clientKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'];

describeE2E('sshd rig', (sshd) => {
  // A temp project whose HOME is used by the client, and a known_hosts file with `line`.
  function client(line = sshd.knownHostsLine) {
    const p = makeProject({ sshd });
    const kh = path.join(p.root, 'known_hosts');
    fs.writeFileSync(kh, line ? `${line}\n` : '');
    const exec = (command: string, args: string[], opts: Partial<RunOptions> = {}) =>
      run(command, args, { cwd: p.root, ...opts, env: { ...p.env, ...opts.env } });
    return { ...p, kh, exec };
  }

  it('accepts the client key from a client that trusts only knownHostsLine', async () => {
    const { kh, exec } = client();
    const result = await exec('ssh', [...sshOptions(sshd, kh), ...keyOptions(sshd), sshd.host, 'echo ok']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('ok\n');
    expect(result.code).toBe(0);
  });

  it('is refused by a strict client that does not know its host key', async () => {
    const { kh, exec } = client('');
    const result = await exec('ssh', [...sshOptions(sshd, kh), ...keyOptions(sshd), sshd.host, 'echo ok']);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Host key verification failed/);
  });

  it('offers no password login to the key user', async () => {
    const { kh, exec } = client();
    const options = ['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password', '-o', 'BatchMode=yes'];
    const result = await exec('ssh', [...sshOptions(sshd, kh), ...options, `${sshd.user}@${sshd.host}`, 'true']);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('accepts no environment from the client (no AcceptEnv)', async () => {
    const { kh, exec } = client();
    const options = ['-o', 'SetEnv=MTR_PROBE=leaked', '-o', 'SendEnv=LANG'];
    const result = await exec('ssh', [...sshOptions(sshd, kh), ...keyOptions(sshd), ...options, sshd.host, 'echo "${MTR_PROBE-unset}"']);
    expect(result.stdout).toBe('unset\n');
  });

  describe.skipIf(!sshd.password)(`password user${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? "no password user"}]`}`, () => {
    const passwordOptions = ['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password'];

    it('logs in with sshpass -e and the right password', async () => {
      const { kh, exec } = client();
      const { user, password } = sshd.password!;
      const args = ['-e', 'ssh', ...sshOptions(sshd, kh), ...passwordOptions, `${user}@${sshd.host}`, 'whoami'];
      const result = await exec('sshpass', args, { env: { SSHPASS: password } });
      expect(result.stdout).toBe(`${user}\n`);
      expect(result.code).toBe(0);
    });

    it('makes sshpass exit 5 on a wrong password', async () => {
      const { kh, exec } = client();
      const args = ['-e', 'ssh', ...sshOptions(sshd, kh), ...passwordOptions, `${sshd.password!.user}@${sshd.host}`, 'true'];
      const result = await exec('sshpass', args, { env: { SSHPASS: 'definitely-wrong' } });
      expect(result.code).toBe(5);
    });
  });

  it('lets rsync over ssh copy files into a new remote dir', async () => {
    const { root, remoteDir, kh, exec } = client();
    fs.mkdirSync(path.join(root, 'src', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'sub', 'file name.txt'), 'hello rsync\n');
    fs.chmodSync(path.join(root, 'src', 'sub', 'file name.txt'), 0o640);
    const ssh = ['ssh', ...sshOptions(sshd, kh), ...keyOptions(sshd)].join(' ');
    const result = await exec('rsync', ['-rlptz', '-e', ssh, `${root}/src/`, `${sshd.host}:${remoteDir}/`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const copied = path.join(remoteDir, 'sub', 'file name.txt');
    expect(fs.readFileSync(copied, 'utf8')).toBe('hello rsync\n');
    expect(fs.statSync(copied).mode & 0o777).toBe(0o640);
  });

  it('serves SFTP (internal-sftp)', async () => {
    const { root, remoteDir, kh, exec } = client();
    fs.writeFileSync(path.join(root, 'up.txt'), 'via sftp\n');
    const batch = `mkdir ${remoteDir}\nput ${path.join(root, 'up.txt')} ${remoteDir}/up.txt\n`;
    const args = ['-b', '-', ...sshOptions(sshd, kh).map((a) => (a === '-p' ? '-P' : a)), ...keyOptions(sshd), sshd.host];
    const result = await exec('sftp', args, { input: batch });
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(remoteDir, 'up.txt'), 'utf8')).toBe('via sftp\n');
  });

  it('gives sessions a private TMUX_TMPDIR with a working tmux', async () => {
    const { kh, exec } = client();
    const script = 'tmux -L rigtest new-session -d -s probe "sleep 60" && tmux -L rigtest ls -F "#{session_name}"; echo "$TMUX_TMPDIR"; tmux -L rigtest kill-server';
    const result = await exec('ssh', [...sshOptions(sshd, kh), ...keyOptions(sshd), sshd.host, script]);
    expect(result.stdout).toBe(`probe\n${sshd.tmuxTmpDir}\n`);
    expect(result.code).toBe(0);
  });

  it('makeProject writes a config for this server and a HOME that trusts it', () => {
    const p = makeProject({ sshd, files: { 'a/b.txt': 'x' }, servers: { gpu: { pre_cmd: 'true' }, nokey: { key_filename: undefined } } });
    const config = parse(fs.readFileSync(path.join(p.root, '.mtr', 'config.yaml'), 'utf8'));
    expect(config).toEqual({
      default: 'gpu',
      servers: {
        gpu: { host: sshd.host, port: sshd.port, key_filename: sshd.clientKey, remote_dir: p.remoteDir, pre_cmd: 'true' },
        nokey: { host: sshd.host, port: sshd.port, remote_dir: p.remoteDir },
      },
    });
    expect(fs.readFileSync(path.join(p.home, '.ssh', 'known_hosts'), 'utf8')).toBe(`${sshd.knownHostsLine}\n`);
    expect(fs.readFileSync(path.join(p.root, 'a', 'b.txt'), 'utf8')).toBe('x');
    expect(fs.existsSync(p.remoteDir)).toBe(false);
    expect(p.env).toEqual({ HOME: p.home });

    const raw = makeProject({ sshd, servers: 'servers:\n  s:\n    host: {{host}}\n    port: {{port}}\n    remote_dir: {{remoteDir}}\n' });
    expect(parse(fs.readFileSync(path.join(raw.root, '.mtr', 'config.yaml'), 'utf8'))).toEqual({
      servers: { s: { host: sshd.host, port: sshd.port, remote_dir: raw.remoteDir } },
    });
  });
});

describe('subprocess helper', () => {
  it('starts from a clean env', async () => {
    const previous = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = '/tmp/should-not-leak';
    try {
      const script = 'console.log(JSON.stringify(process.env))';
      const result = await run(process.execPath, ['-e', script], { env: { HOME: '/tmp', EXTRA: '1' } });
      const env = JSON.parse(result.stdout);
      expect(env.SSH_AUTH_SOCK).toBeUndefined();
      expect(env).toMatchObject({ HOME: '/tmp', EXTRA: '1', LANG: 'C.UTF-8' });
    } finally {
      if (previous === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = previous;
    }
    const home = cleanEnv().HOME!;
    expect(home).toMatch(/mtr-empty-home-/);
    expect(fs.readdirSync(home)).toEqual([]);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('pipes input, keeps raw bytes and kills on timeout', async () => {
    const echo = await run(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], {
      env: { HOME: '/tmp' },
      input: Buffer.from([0xff, 0x00, 0x41]),
    });
    expect([...echo.stdoutBuf]).toEqual([0xff, 0x00, 0x41]);
    expect(echo.code).toBe(0);

    const hang = await run(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: { HOME: '/tmp' }, timeoutMs: 300 });
    expect(hang.timedOut).toBe(true);
    expect(hang.signal).toBe('SIGTERM');
  });
});
