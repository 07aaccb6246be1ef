// `mtr --doctor` against real servers: all green on the rig, and one red line with its fix for each
// kind of breakage a new user meets (pre_cmd, no tmux/rsync, unknown host key, no config).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runMtr } from '../support/mtr.js';
import { startSshdWithout, stopSshdWithout, type ReducedSshd } from '../support/sshd-without.js';
import { describeE2E } from '../support/sshd.js';

const line = (stdout: string, name: string): string => stdout.split('\n').find((l) => new RegExp(`^  . ${name} `).test(l)) ?? `(no ${name} line)`;

describeE2E('mtr --doctor', (sshd) => {
  it('passes every check on a working server and exits 0', async () => {
    const p = makeProject({ sshd, servers: { test: { pre_cmd: 'export MTR_DOCTOR_OK=1' } } });
    const result = await p.run(['--doctor', '--no-reuse']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^mtr doctor: server test\n/);
    for (const name of ['config', 'connection', 'remote shell', 'tmux', 'rsync', 'remote_dir', 'pre_cmd']) {
      expect(line(result.stdout, name)).toMatch(/^ {2}✓ /);
    }
    expect(line(result.stdout, 'remote_dir')).toContain('does not exist yet; the first sync creates it');
    expect(result.stdout).toMatch(/\nall checks passed\n$/);
    expect(result.code).toBe(0);
    // The doctor looks and changes nothing: remote_dir is still not there.
    expect(fs.existsSync(p.remoteDir)).toBe(false);
  });

  it('a pre_cmd that fails (conda without its shell hook) is one red line with the fix, exit 1', async () => {
    const p = makeProject({ sshd, servers: { test: { pre_cmd: 'conda activate torch' } } });
    const result = await p.run(['--doctor', '--no-reuse']);
    expect(line(result.stdout, 'pre_cmd')).toMatch(/^ {2}✗ pre_cmd +exits 127: .*conda: command not found/);
    expect(result.stdout).toContain('fix: pre_cmd runs in a non-interactive, non-login shell');
    expect(result.stdout).toContain('eval "$(conda shell.bash hook)"');
    expect(line(result.stdout, 'tmux')).toMatch(/^ {2}✓ /);
    expect(result.stdout).toMatch(/\n1 check failed\n$/);
    expect(result.code).toBe(1);
  });

  it('an unknown host key stops at the connection check with the fix (no prompt in batch mode)', async () => {
    const p = makeProject({ sshd });
    fs.writeFileSync(path.join(p.home, '.ssh', 'known_hosts'), '');
    const result = await p.run(['--doctor', '--no-reuse']);
    expect(line(result.stdout, 'connection')).toMatch(/^ {2}✗ connection +.*host key/i);
    expect(result.stdout).toMatch(/fix: /);
    expect(result.stdout).not.toMatch(/ tmux /);
    expect(result.code).toBe(1);
  });

  it('without a config: the config check fails with how to make one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-doctor-'));
    try {
      const result = await runMtr(['--doctor'], { cwd: dir, env: { HOME: dir } });
      expect(line(result.stdout, 'config')).toMatch(/^ {2}✗ config +no \.mtr\/config\.yaml/);
      expect(result.stdout).toContain('mtr --init');
      expect(result.code).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a server without tmux and rsync', () => {
    let server: ReducedSshd | undefined;
    beforeAll(async () => {
      server = await startSshdWithout(sshd, ['tmux', 'rsync']);
    });
    afterAll(async () => {
      await stopSshdWithout(server);
      if (server) fs.rmSync(server.dir, { recursive: true, force: true });
    });

    it('tmux fails with the install fix; rsync under sync: auto is a warning, not a failure', async () => {
      const reduced = server as ReducedSshd;
      const p = makeProject({ sshd: { ...sshd, port: reduced.port, knownHostsLine: reduced.knownHostsLine } });
      const result = await p.run(['--doctor', '--no-reuse']);
      expect(line(result.stdout, 'tmux')).toMatch(/^ {2}✗ tmux +not installed on the server/);
      expect(result.stdout).toContain('fix: install tmux on the server');
      expect(line(result.stdout, 'rsync')).toMatch(/^ {2}! rsync +rsync \d+\.\d+\.\d+ here; none on the server: syncing with SFTP/);
      expect(result.stdout).toMatch(/\n1 check failed\n$/);
      expect(result.code).toBe(1);
    });
  });
});
