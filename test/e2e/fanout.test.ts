// Several servers at once: `-s a,b`, groups, --all. Two servers on the one test sshd that cannot
// collide (the key user and the password user: own homes, own jobs, own tmux), plus a dead one.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describeE2E('fan-out over several servers', (sshd) => {
  let p: Project;

  beforeAll(async () => {
    if (!sshd.password) throw new Error(`fan-out e2e needs the password user: ${sshd.passwordReason}`);
    const dead = await closedPort();
    // Writable by both users (mkdtemp makes 0700 dirs owned by root).
    const remote = (name: string) => {
      const dir = fs.mkdtempSync(path.join(sshd.remoteRoot, `fan-${name}-`));
      fs.chmodSync(dir, 0o777);
      return path.join(dir, 'project');
    };
    p = makeProject({
      sshd,
      servers: {
        key: { remote_dir: remote('key') },
        pw: { user: sshd.password.user, password: sshd.password.password, key_filename: undefined, remote_dir: remote('pw') },
        dead: { port: dead, connect_timeout: 3 },
      },
      config: { groups: { pair: ['key', 'pw'], trio: ['key', 'pw', 'dead'] } },
      files: { 'data.txt': 'shared input\n' },
    });
  });

  it('prefixes every line with its server, whole lines only; stdout and stderr stay apart; each host is logged', async () => {
    const script = 'for i in 1 2 3; do echo "out $i $(cat data.txt)"; echo "err $i" >&2; done; printf "no newline"';
    const result = await p.run(['-q', '--name', 'fan-out-lines', '-s', 'pair', 'sh', '-c', script]);
    expect(result.code).toBe(0);
    for (const host of ['key', 'pw']) {
      expect(lines(result.stdout).filter((l) => l.startsWith(`[${host}] `))).toEqual([
        `[${host}] out 1 shared input`,
        `[${host}] out 2 shared input`,
        `[${host}] out 3 shared input`,
        `[${host}] no newline`,
      ]);
      expect(lines(result.stderr).filter((l) => l.startsWith(`[${host}] err`))).toEqual([`[${host}] err 1`, `[${host}] err 2`, `[${host}] err 3`]);
      const log = path.join(p.root, '.mtr', 'logs', 'fan-out-lines');
      expect(fs.readFileSync(path.join(log, `${host}.out`), 'utf8')).toBe('out 1 shared input\nout 2 shared input\nout 3 shared input\nno newline');
      expect(fs.readFileSync(path.join(log, `${host}.err`), 'utf8')).toBe('err 1\nerr 2\nerr 3\n');
    }
    expect(lines(result.stdout).every((l) => /^\[(key|pw)\] /.test(l))).toBe(true);
  });

  it('exit code: the largest; the summary names each host', async () => {
    const result = await p.run(['-s', 'key,pw', 'sh', '-c', 'if [ "$(id -un)" = root ]; then exit 0; fi; exit 3']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/on 2 servers:\n\s+key\s+exit 0 .*\n\s+pw\s+exit 3 /);
  });

  it('an unreachable host counts 255 and does not stop the others', async () => {
    const result = await p.run(['-s', 'trio', 'echo', 'reached']);
    expect(result.code).toBe(255);
    expect(lines(result.stdout).sort()).toEqual(['[key] reached', '[pw] reached']);
    expect(result.stderr).toMatch(/\[dead\] mtr: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    expect(result.stderr).toMatch(/\s+dead\s+exit 255 .*\(cannot connect/);
  });

  it('--detach on a group prints the name once; --wait on the group returns the largest code', async () => {
    const name = `fan-d-${Date.now().toString(36)}`;
    const started = await p.run(['--no-sync', '-q', '-d', '--name', name, '-s', 'pair', 'sh', '-c', 'sleep 1; [ "$(id -un)" = root ] && exit 4; exit 5']);
    expect({ code: started.code, stdout: started.stdout }).toEqual({ code: 0, stdout: `${name}\n` });
    const waited = await p.run(['--wait', name, '-s', 'pair']);
    expect(waited.code).toBe(5);
    const listed = await p.run(['--jobs', '-s', 'pair']);
    expect(listed.code).toBe(0);
    expect(lines(listed.stdout).filter((l) => l.includes(name)).map((l) => l.slice(0, l.indexOf(']') + 1)).sort()).toEqual(['[key]', '[pw]']);
    const logs = await p.run(['--logs', name, '-s', 'pair']);
    expect(logs.code).toBe(0);
  });

  it('--all runs on every server; --dry-run shows the plan per host and connects nowhere', async () => {
    const dry = await p.run(['--dry-run', '--all', 'nvidia-smi']);
    expect(dry.code).toBe(0);
    expect(lines(dry.stdout).filter((l) => l.startsWith('== '))).toEqual(['== key ==', '== pw ==', '== dead ==']);
    expect(dry.stdout).toContain('password ***');
    expect(dry.stdout).not.toContain(sshd.password!.password);
  });

  it('refuses --tty and --attach with several servers, with the fix', async () => {
    const tty = await p.run(['--tty', '-s', 'pair', 'true']);
    expect(tty.code).toBe(2);
    expect(tty.stderr).toMatch(/--tty needs a single server/);
    const attach = await p.run(['--attach', 'x', '-s', 'pair']);
    expect(attach.code).toBe(2);
    expect(attach.stderr).toMatch(/--attach needs a single server/);
  });
});
