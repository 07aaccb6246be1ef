// Connection reuse: a first run leaves a shared OpenSSH master behind; later runs send rsync and
// the command through it without authenticating again (checked in sshd's own log). At most one
// master per server, however many first runs race; password logins keep theirs too.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { eventually } from '../support/eventually.js';
import { makeOwnKey, type OwnKey } from '../support/own-key.js';
import { describeE2E } from '../support/sshd.js';

/** The shared-connection sockets of runs whose XDG_RUNTIME_DIR is `runtime`. */
const socketsIn = (runtime: string) => {
  const dir = path.join(runtime, 'mtr');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.sock')).map((n) => path.join(dir, n)) : [];
};

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const masterAlive = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;

/** `ssh -O check`'s "Master running (pid=N)": which process serves the socket. */
const masterPid = (socket: string): number | undefined => {
  const check = spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(check.stderr)?.[1];
  return check.status === 0 && pid ? Number(pid) : undefined;
};

/** Every process whose command line names `dir` (a master shows as `ssh: <socket> [mux]`). */
const processesIn = (dir: string): string[] =>
  (spawnSync('pgrep', ['-af', `${dir}/`], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);

describeE2E('connection reuse', (sshd) => {

  // A runtime folder of one test's own: its masters are counted and closed without touching others'.
  const ownDirs: string[] = [];
  const ownRuntimeDir = (): string => {
    const dir = fs.mkdtempSync(path.join(sshd.localRoot, 'rt-'));
    ownDirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of ownDirs) spawnSync('pkill', ['-f', `${dir}/`], { stdio: 'ignore' });
  });

  // Each project has its own HOME (own known_hosts), runtime folder and key: its own master and
  // logins, told apart from those of test files running at the same time.
  async function warmProject(files: Record<string, string> = {}): Promise<{ project: Project; socket: string; runtime: string; key: OwnKey }> {
    const runtime = ownRuntimeDir();
    const key = makeOwnKey(sshd);
    const project = makeProject({ sshd, files, servers: { test: { key_filename: key.file } } });
    project.env.XDG_RUNTIME_DIR = runtime;
    const cold = await project.run(['--no-sync', 'true']);
    expect(cold.code).toBe(0);
    await waitFor(() => socketsIn(runtime).length === 1 && masterAlive(socketsIn(runtime)[0]!), 'the shared master');
    return { project, socket: socketsIn(runtime)[0]!, runtime, key };
  }

  it('leaves a master in a private 0700 folder, and the next run (sync + command) authenticates nowhere', async () => {
    const { project, socket, runtime, key } = await warmProject({ 'data.txt': 'v1\n' });
    expect(fs.statSync(path.join(runtime, 'mtr')).mode & 0o777).toBe(0o700);
    const before = key.logins();
    expect(before).toBeGreaterThan(0); // not vacuous: the cold run's logins are counted
    const warm = await project.run(['--log-file', 'warm.log', 'sh', '-c', 'cat data.txt; echo err >&2; exit 3']);
    expect({ code: warm.code, stdout: warm.stdout }).toEqual({ code: 3, stdout: 'v1\n' });
    expect(warm.stderr).toContain('err');
    expect(fs.readFileSync(path.join(project.root, 'warm.log'), 'utf8')).toContain(`reusing the shared connection ${socket}`);
    expect(key.logins()).toBe(before);
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
    const { project, socket, key } = await warmProject();
    const before = key.logins();
    const run = await project.run(['--no-sync', '--no-reuse', '--log-file', 'n.log', 'true']);
    expect(run.code).toBe(0);
    expect(fs.readFileSync(path.join(project.root, 'n.log'), 'utf8')).not.toContain('reusing');
    expect(key.logins()).toBe(before + 1);

    const off = await project.run(['--disconnect']);
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/closed [1-9]\d* shared connections?/);
    expect(masterAlive(socket)).toBe(false);
    expect(fs.existsSync(socket)).toBe(false);
  });

  it('reuse: false in the config turns it off', async () => {
    // A master is started before the run exits: in a runtime folder of its own, none may be left.
    const runtime = ownRuntimeDir();
    const project = makeProject({ sshd, servers: { test: { reuse: false } } });
    expect((await project.run(['--no-sync', 'true'], { env: { XDG_RUNTIME_DIR: runtime } })).code).toBe(0);
    expect(processesIn(runtime)).toEqual([]);
    expect(socketsIn(runtime)).toEqual([]);
  });

  it('eight simultaneous first runs leave exactly one master (no stray logged-in ssh), and --disconnect closes it', async () => {
    const runtime = ownRuntimeDir();
    const project = makeProject({ sshd });
    const env = { XDG_RUNTIME_DIR: runtime };
    const runs = await Promise.all(Array.from({ length: 8 }, () => project.run(['--no-sync', 'true'], { env, timeoutMs: 45_000 })));
    expect(runs.map((r) => r.code)).toEqual(Array(8).fill(0));
    // Every start was spawned before its run exited; wait until they have all finished.
    const only = await eventually(
      () => `one master and nothing else in ${runtime}, got:\n${processesIn(runtime).join('\n')}`,
      () => {
        const left = processesIn(runtime);
        return left.length === 1 && /\[mux\]$/.test(left[0]!) ? left[0] : undefined;
      },
      15_000,
    );
    const socket = path.join(runtime, 'mtr', fs.readdirSync(path.join(runtime, 'mtr')).find((n) => n.endsWith('.sock'))!);
    expect(Number(only.split(' ')[0])).toBe(masterPid(socket));

    const off = await project.run(['--disconnect'], { env });
    expect({ code: off.code, stderr: off.stderr }).toEqual({ code: 0, stderr: 'mtr: closed 1 shared connection\n' });
    await eventually(() => `no ssh left in ${runtime}, got:\n${processesIn(runtime).join('\n')}`, () => processesIn(runtime).length === 0);
    expect(fs.existsSync(socket)).toBe(false);
  }, 90_000);

  const pwTitle = `a password login keeps its shared connection: the next run rides it, --disconnect ends it${sshd.password ? '' : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`;
  it.skipIf(!sshd.password)(pwTitle, async () => {
    const { user, password } = sshd.password!;
    const runtime = ownRuntimeDir();
    const env = { XDG_RUNTIME_DIR: runtime };
    const project = makeProject({ sshd, servers: { pw: { user, password, key_filename: undefined } }, files: { 'data.txt': 'v1\n' } });
    expect((await project.run(['--no-sync', 'true'], { env })).code).toBe(0);
    const dir = path.join(runtime, 'mtr');
    const socket = await eventually('the password master', () => {
      const name = fs.existsSync(dir) ? fs.readdirSync(dir).find((n) => n.endsWith('.sock')) : undefined;
      return name && masterAlive(path.join(dir, name)) ? path.join(dir, name) : undefined;
    });
    const pid = masterPid(socket)!;
    // Still there once sshpass has long gone (it used to die of sshpass's SIGHUP right away).
    await eventually('the master to outlive its sshpass', () => processesIn(runtime).length === 1);
    expect(masterPid(socket)).toBe(pid);

    fs.writeFileSync(path.join(project.root, 'data.txt'), 'v2 changed\n');
    const warm = await project.run(['--log-file', 'warm.log', 'cat', 'data.txt'], { env });
    expect({ code: warm.code, stdout: warm.stdout }).toEqual({ code: 0, stdout: 'v2 changed\n' });
    expect(warm.stderr).not.toContain(password);
    const log = fs.readFileSync(path.join(project.root, 'warm.log'), 'utf8');
    expect(log).toContain(`reusing the shared connection ${socket}`);
    // No login of its own: ssh2 never connected (it logs its handshake), and the same master serves.
    expect(log).not.toMatch(/Handshake/);
    expect(masterPid(socket)).toBe(pid);

    const off = await project.run(['--disconnect'], { env });
    expect({ code: off.code, stderr: off.stderr }).toEqual({ code: 0, stderr: 'mtr: closed 1 shared connection\n' });
    await eventually('the password master to end', () => processesIn(runtime).length === 0);
  });
});
