// Connection reuse: a first run leaves a shared OpenSSH master behind; later runs send rsync and
// the command through it without authenticating again (checked in sshd's own log).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const socketDir = () => path.join(process.env.MTR_TEST_RUNTIME_DIR as string, 'mtr');
const sockets = () => (fs.existsSync(socketDir()) ? fs.readdirSync(socketDir()).filter((n) => n.endsWith('.sock')) : []);

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const masterAlive = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;

describeE2E('connection reuse', (sshd) => {
  const authCount = () => (fs.readFileSync(sshd.logFile, 'utf8').match(/Accepted publickey/g) ?? []).length;
  const newSockets = (before: string[]) => sockets().filter((s) => !before.includes(s));

  // Each project has its own HOME (own known_hosts): its own master, so tests don't share one.
  async function warmProject(files: Record<string, string> = {}): Promise<{ project: Project; socket: string }> {
    const before = sockets();
    const project = makeProject({ sshd, files });
    const cold = await project.run(['--no-sync', 'true']);
    expect(cold.code).toBe(0);
    await waitFor(() => newSockets(before).length === 1 && masterAlive(path.join(socketDir(), newSockets(before)[0]!)), 'the shared master');
    return { project, socket: path.join(socketDir(), newSockets(before)[0]!) };
  }

  it('leaves a master in a private 0700 folder, and the next run (sync + command) authenticates nowhere', async () => {
    const { project, socket } = await warmProject({ 'data.txt': 'v1\n' });
    expect(fs.statSync(socketDir()).mode & 0o777).toBe(0o700);
    const before = authCount();
    const warm = await project.run(['--log-file', 'warm.log', 'sh', '-c', 'cat data.txt; echo err >&2; exit 3']);
    expect({ code: warm.code, stdout: warm.stdout }).toEqual({ code: 3, stdout: 'v1\n' });
    expect(warm.stderr).toContain('err');
    expect(fs.readFileSync(path.join(project.root, 'warm.log'), 'utf8')).toContain(`reusing the shared connection ${socket}`);
    expect(authCount()).toBe(before);
  });

  it('a dead master is replaced silently: same output, no error', async () => {
    const { project, socket } = await warmProject();
    spawnSync('pkill', ['-f', socket]); // a master shows as `ssh: <socket> [mux]`
    await waitFor(() => !masterAlive(socket), 'the master to die');
    const run = await project.run(['--no-sync', 'echo', 'still fine']);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 0, stdout: 'still fine\n', stderr: '' });
    await waitFor(() => masterAlive(socket), 'a new master');
  });

  it('--no-reuse neither uses nor leaves a master; --disconnect closes them', async () => {
    const { project, socket } = await warmProject();
    const before = authCount();
    const run = await project.run(['--no-sync', '--no-reuse', '--log-file', 'n.log', 'true']);
    expect(run.code).toBe(0);
    expect(fs.readFileSync(path.join(project.root, 'n.log'), 'utf8')).not.toContain('reusing');
    expect(authCount()).toBe(before + 1);

    const off = await project.run(['--disconnect']);
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/closed [1-9]\d* shared connections?/);
    expect(masterAlive(socket)).toBe(false);
    expect(fs.existsSync(socket)).toBe(false);
  });

  it('reuse: false in the config turns it off', async () => {
    const before = sockets();
    const project = makeProject({ sshd, servers: { test: { reuse: false } } });
    expect((await project.run(['--no-sync', 'true'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(newSockets(before)).toEqual([]);
  });
});
