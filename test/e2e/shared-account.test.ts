// Several server entries for one account (same user, host and port): one ~/.mtr/jobs, one tmux
// server, one possible shared connection. A fan-out over them must not clash on job names, and a
// live master of one entry must not let another entry in without its own credentials.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { makeProject, type RunResult } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const lines = (text: string) => text.split('\n').filter(Boolean);
const summary = (result: RunResult) => ({ code: result.code, stdout: result.stdout, stderr: result.stderr });
const masterAlive = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;

describeE2E('server entries that share one account', (sshd) => {
  const runtimes: string[] = [];
  afterAll(() => {
    for (const dir of runtimes) spawnSync('pkill', ['-f', `${dir}/`], { stdio: 'ignore' });
  });

  it('a fan-out over two entries for the same user: both run; each job is NAME-<entry>, reachable as NAME', async () => {
    const p = makeProject({ sshd, servers: { one: {}, two: {} }, config: { groups: { both: ['one', 'two'] } } });
    const name = `e2e-same-${randomBytes(3).toString('hex')}`;
    // Long enough that both jobs run at once (a clash needs the other one still running).
    const run = await p.run(['--no-sync', '--name', name, '-s', 'both', 'sh', '-c', 'echo "hi from $(basename "$PWD")"; sleep 1']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines(run.stdout).sort()).toEqual(['[one] hi from project', '[two] hi from project']);

    const detached = `${name}-d`;
    const started = await p.run(['--no-sync', '-d', '--name', detached, '-s', 'one,two', 'sh', '-c', 'sleep 1; echo done; exit 6']);
    expect(summary(started)).toEqual({ code: 0, stdout: `${detached}\n`, stderr: '' });
    const listed = await p.run(['--no-sync', '--jobs', '-s', 'one']);
    for (const entry of ['one', 'two']) expect(listed.stdout).toMatch(new RegExp(`^${detached}-${entry}\\s`, 'm'));
    const waited = await p.run(['--no-sync', '--wait', detached, '-s', 'both']);
    expect(waited.code).toBe(6);
    // On one entry alone, the fan-out's name finds that entry's job.
    expect(summary(await p.run(['--no-sync', '--logs', detached, '-s', 'two']))).toEqual({ code: 0, stdout: 'done\n', stderr: '' });
    expect(summary(await p.run(['--no-sync', '--logs', `${detached}-one`, '-s', 'two']))).toEqual({ code: 0, stdout: 'done\n', stderr: '' });
  }, 60_000);

  it('server names that would give one job name are refused before anything runs', async () => {
    const p = makeProject({ sshd, servers: { 'a.b': {}, 'a-b': {} } });
    const result = await p.run(['--no-sync', '--name', 'x', '--all', 'true']);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/servers a\.b and a-b would both run job x-a-b/);
  });

  const pwTitle = `a live master opened with the right password does not let an entry with a wrong one in (255)${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`;
  it.skipIf(!sshd.password)(pwTitle, async () => {
    const { user, password } = sshd.password!;
    const runtime = fs.mkdtempSync(path.join(sshd.localRoot, 'rt-'));
    runtimes.push(runtime);
    const env = { XDG_RUNTIME_DIR: runtime };
    const p = makeProject({
      sshd,
      servers: { good: { user, password, key_filename: undefined }, bad: { user, password: 'nope', key_filename: undefined } },
    });
    expect(summary(await p.run(['--no-sync', '-s', 'good', 'echo', 'in'], { env }))).toEqual({ code: 0, stdout: 'in\n', stderr: '' });
    const dir = path.join(runtime, 'mtr');
    const socket = await eventually('the shared connection of the right password', () => {
      const found = fs.existsSync(dir) ? fs.readdirSync(dir).find((n) => n.endsWith('.sock')) : undefined;
      return found && masterAlive(path.join(dir, found)) ? path.join(dir, found) : undefined;
    });
    // The warm entry really rides it (the debug log says so) ...
    const warm = await p.run(['--no-sync', '-s', 'good', '--log-file', 'good.log', 'echo', 'again'], { env });
    expect(summary(warm)).toEqual({ code: 0, stdout: 'again\n', stderr: '' });
    expect(fs.readFileSync(path.join(p.root, 'good.log'), 'utf8')).toContain(`reusing the shared connection ${socket}`);

    // ... the wrong password does not, and fails as its own login does.
    const bad = await p.run(['--no-sync', '-s', 'bad', '--log-file', 'bad.log', 'echo', 'let in'], { env });
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 255, stdout: '' });
    expect(bad.stderr).toContain(`authentication failed for ${user}@`);
    expect(bad.stderr).not.toContain(password);
    expect(fs.readFileSync(path.join(p.root, 'bad.log'), 'utf8')).not.toContain('reusing the shared connection');
  }, 60_000);
});
