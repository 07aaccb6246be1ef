// Job records on a shared server belong to their owner alone: ~/.mtr, ~/.mtr/jobs and each job
// folder are 0700, every record 0600, born that way, and folders an older mtr left loose are
// tightened. Another local account (`nobody`) tries to read them. The user's own command still runs
// with the login's umask, so what it writes gets the modes it would get over plain ssh.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { makeProject, type RunResult } from '../support/mtr.js';
import { startSshdWithout, stopSshdWithout } from '../support/sshd-without.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';

const OTHER = 'nobody';
const mode = (file: string) => fs.lstatSync(file).mode & 0o7777;
const octal = (n: number) => `0${n.toString(8)}`;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function passwdEntry(user: string): { uid: number; gid: number; home: string } {
  const [, , uid, gid, , home] = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).trim().split(':');
  return { uid: Number(uid), gid: Number(gid), home: home! };
}

/** What OTHER gets when it tries to read `file`: the exit status and stderr of `cat`. */
function readAsOther(file: string): { status: number | null; stderr: string } {
  const result = spawnSync('runuser', ['-u', OTHER, '--', 'cat', file], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

function whyNot(sshd: SshdInfo): string | undefined {
  if (!sshd.password) return sshd.passwordReason ?? 'no password user';
  if (spawnSync('sh', ['-c', 'command -v runuser'], { stdio: 'ignore' }).status !== 0) return 'runuser not found (util-linux)';
  return undefined;
}

function expectOk(result: RunResult, stdout: string): void {
  expect({ code: result.code, stdout: result.stdout }, result.stderr).toEqual({ code: 0, stdout });
}

/** The umask a plain `ssh host umask` session gets: what the user's command must see through mtr. */
function loginUmask(sshd: SshdInfo, port = sshd.port): string {
  const args = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];
  const out = execFileSync('ssh', [...args, '-i', sshd.clientKey, '-p', String(port), `${sshd.user}@${sshd.host}`, 'umask'], { encoding: 'utf8' });
  return out.trim().padStart(4, '0');
}

describeE2E('job records are private', (sshd) => {
  const reason = whyNot(sshd);
  if (reason && process.env.CI) throw new Error(`job privacy e2e cannot run on CI: ${reason}`);
  if (reason) process.stderr.write(`\n!!! job privacy e2e: SKIPPING the second-account test: ${reason}\n\n`);

  describe.skipIf(Boolean(reason))(`as a second account${reason ? ` [skipped: ${reason}]` : ''}`, () => {
    it('0700 folders, 0600 records, born so; loose old folders tightened; another account reads nothing', async () => {
      const { user, password } = sshd.password!;
      const owner = passwdEntry(user);
      const mtrDir = path.join(owner.home, '.mtr');
      const jobsDir = path.join(mtrDir, 'jobs');
      // The home itself must let OTHER through, or the test would prove nothing.
      const homeMode = mode(owner.home);
      if (!(homeMode & 0o001)) fs.chmodSync(owner.home, homeMode | 0o001);
      try {
        // What an older mtr left: loose folders and a readable record.
        const old = path.join(jobsDir, unique('old'));
        fs.mkdirSync(old, { recursive: true });
        fs.writeFileSync(path.join(old, 'out'), 'old secret\n');
        for (const [p, m] of [[mtrDir, 0o755], [jobsDir, 0o755], [old, 0o755], [path.join(old, 'out'), 0o644]] as const) {
          fs.chownSync(p, owner.uid, owner.gid);
          fs.chmodSync(p, m);
        }
        expect(readAsOther(path.join(old, 'out')).status).toBe(0); // readable before

        const name = unique('priv');
        const token = unique('TOKEN');
        const p = makeProject({ sshd, servers: { pw: { user, password, key_filename: undefined } } });
        // Piped stdin: the job also gets its `in` FIFO.
        const run = await p.run(['--no-sync', '--name', name, 'sh', '-c', `cat; echo ${token}; echo ${token}-err >&2`], { input: 'piped\n' });
        expectOk(run, `piped\n${token}\n`);

        const jobDir = path.join(jobsDir, name);
        const entries = fs.readdirSync(jobDir).sort();
        expect(entries).toEqual(expect.arrayContaining(['ended', 'err', 'in', 'meta.json', 'out', 'pid', 'rc', 'run.sh', 'wrap.sh']));
        const modes = Object.fromEntries([
          ...[mtrDir, jobsDir, jobDir, old].map((d) => [d, octal(mode(d))]),
          ...entries.map((e) => [path.join(jobDir, e), octal(mode(path.join(jobDir, e)))]),
          ...[path.join(jobsDir, 'tmux.conf'), path.join(old, 'out')].map((f) => [f, octal(mode(f))]),
        ]);
        const expected = Object.fromEntries(Object.keys(modes).map((k) => [k, fs.statSync(k).isDirectory() ? '0700' : '0600']));
        expect(modes).toEqual(expected);

        for (const file of [...['out', 'err', 'run.sh', 'meta.json'].map((f) => path.join(jobDir, f)), path.join(old, 'out')]) {
          const read = readAsOther(file);
          expect({ file, status: read.status }).toEqual({ file, status: 1 });
          expect(read.stderr).toMatch(/Permission denied/);
        }
        expect(spawnSync('runuser', ['-u', OTHER, '--', 'ls', jobsDir], { encoding: 'utf8' }).stderr).toMatch(/Permission denied/);
        // The records are still the owner's to read: --logs works.
        const logs = await p.run(['--logs', name]);
        expect({ code: logs.code, stdout: logs.stdout, stderr: logs.stderr }).toEqual({ code: 0, stdout: `piped\n${token}\n`, stderr: `${token}-err\n` });
        fs.rmSync(old, { recursive: true, force: true });
      } finally {
        fs.chmodSync(owner.home, homeMode);
      }
    });
  });

  // umask 077 protects the records only: the command itself gets the login's umask back.
  const probe = ['sh', '-c', 'umask; rm -rf made; mkdir made; : >made/f; stat -c %a made made/f'];
  const expectLoginModes = (result: RunResult, umask: string) => {
    const u = Number.parseInt(umask, 8);
    expect(u & 0o077, `the login umask ${umask} must differ from 077 for this test to mean anything`).not.toBe(0o077);
    expectOk(result, `${umask}\n${(0o777 & ~u).toString(8)}\n${(0o666 & ~u).toString(8)}\n`);
  };

  it('the command keeps the login umask (batch, --detach), so its own files get normal modes', async () => {
    const umask = loginUmask(sshd);
    const p = makeProject({ sshd, createRemoteDir: true });
    expectLoginModes(await p.run(['--no-sync', ...probe]), umask);
    const name = unique('um');
    expectOk(await p.run(['--no-sync', '--detach', '--name', name, ...probe]), `${name}\n`);
    const record = path.join(os.userInfo().homedir, '.mtr', 'jobs', name);
    await eventually('the detached job to end', () => fs.existsSync(path.join(record, 'rc')));
    expectLoginModes({ code: 0, stdout: fs.readFileSync(path.join(record, 'out'), 'utf8') } as RunResult, umask);
  });

  it('without tmux on the server: the same umask, and no temp file left in ~/.mtr/jobs', async () => {
    const server = await startSshdWithout(sshd, ['tmux']);
    try {
      const umask = loginUmask(sshd, server.port);
      const p = makeProject({ sshd: { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine }, createRemoteDir: true });
      const result = await p.run(['--no-sync', ...probe]);
      expect(result.stderr).toMatch(/tmux not found/);
      expectLoginModes({ ...result, stderr: '' }, umask);
      const jobsDir = path.join(os.userInfo().homedir, '.mtr', 'jobs');
      expect(fs.readdirSync(jobsDir).filter((n) => n.startsWith('.direct'))).toEqual([]);
    } finally {
      await stopSshdWithout(server);
      fs.rmSync(server.dir, { recursive: true, force: true });
    }
  });
});
