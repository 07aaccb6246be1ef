// What each path asks of the server, read from the debug log (one `ssh request:` line per exec or
// SFTP channel, ssh2's own line per protocol message): the counts a slow link pays for in round
// trips. No timings: the order and number of requests are the contract.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const requests = (log: string) => log.split('\n').filter((line) => line.includes(' ssh request: ')).map((line) => line.replace(/^\S+ ssh request: /, ''));
const readLog = (project: Project, name: string) => fs.readFileSync(path.join(project.root, name), 'utf8');

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeE2E('round trips per path', (sshd) => {
  const runtimes: string[] = [];
  afterAll(() => {
    for (const dir of runtimes) spawnSync('pkill', ['-f', `${dir}/`], { stdio: 'ignore' });
  });

  // A project with a runtime folder of its own, whose shared master is up.
  async function warmProject(files: Record<string, string> = {}, server: Record<string, unknown> = {}): Promise<Project> {
    const runtime = fs.mkdtempSync(path.join(sshd.localRoot, 'rt-'));
    runtimes.push(runtime);
    const project = makeProject({ sshd, files, servers: { test: server } });
    project.env.XDG_RUNTIME_DIR = runtime;
    expect((await project.run(['--no-sync', 'true'])).code).toBe(0);
    const socketDir = path.join(runtime, 'mtr');
    await waitFor(() => fs.existsSync(socketDir) && fs.readdirSync(socketDir).some((n) => n.endsWith('.sock')), 'the shared master');
    // The master answers once its socket is there and it has logged in: a run that reuses it says so.
    await waitFor(() => spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${path.join(socketDir, fs.readdirSync(socketDir).find((n) => n.endsWith('.sock'))!)}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0, 'the master to answer');
    return project;
  }

  it('a warm run is one exec through the shared connection', async () => {
    const project = await warmProject();
    const warm = await project.run(['--no-sync', '--log-file', 'warm.log', 'sh', '-c', 'echo hi; exit 3']);
    expect({ code: warm.code, stdout: warm.stdout }).toEqual({ code: 3, stdout: 'hi\n' });
    const asked = requests(readLog(project, 'warm.log'));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^exec through the shared connection: /);
  });

  it('`mtr --jobs` on a warm connection is one exec', async () => {
    const project = await warmProject();
    const jobs = await project.run(['--jobs', '--log-file', 'jobs.log']);
    expect(jobs.code).toBe(0);
    expect(requests(readLog(project, 'jobs.log'))).toEqual([expect.stringMatching(/^exec through the shared connection: /)]);
  });

  it('a cold run signs with its key at once (no query round trip first) and runs one exec', async () => {
    const project = makeProject({ sshd });
    const cold = await project.run(['--no-sync', '--no-reuse', '--log-file', 'cold.log', 'true']);
    expect(cold.code).toBe(0);
    const log = readLog(project, 'cold.log');
    expect(log).toContain('Sending USERAUTH_REQUEST (publickey)');
    expect(log).not.toContain('publickey -- check');
    expect(log).not.toContain('USERAUTH_PK_OK');
    expect(requests(log)).toEqual([expect.stringMatching(/^exec on mtr's connection: /)]);
  });

  it("a run with a sync sends its job's exec before the sync ends, and the job starts after it", async () => {
    const project = await warmProject({ 'data.txt': 'v1\n' });
    fs.writeFileSync(path.join(project.root, 'data.txt'), 'v2\n');
    const run = await project.run(['--log-file', 'sync.log', 'cat', 'data.txt']);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: 'v2\n' });
    const lines = readLog(project, 'sync.log').split('\n');
    const exec = lines.findIndex((line) => / ssh request: exec through the shared connection: IFS= read -r mtr_go/.test(line));
    const synced = lines.findIndex((line) => / sync: \{/.test(line));
    const started = lines.findIndex((line) => / job \S+: started$/.test(line));
    expect(exec).toBeGreaterThan(-1);
    expect(synced).toBeGreaterThan(exec);
    expect(started).toBeGreaterThan(synced);
  });

  it("a failed sync starts no job: the exec sent ahead is closed, the job's folder never made", async () => {
    const project = await warmProject({ 'data.txt': 'v1\n' });
    // remote_dir's parent becomes a file: the sync cannot make remote_dir.
    const parent = path.dirname(project.remoteDir);
    fs.rmSync(parent, { recursive: true, force: true });
    fs.writeFileSync(parent, 'not a folder\n');
    const run = await project.run(['--log-file', 'fail.log', '--name', 'never-started', 'true']);
    expect(run.code).not.toBe(0);
    expect(requests(readLog(project, 'fail.log')).some((r) => r.startsWith('exec through the shared connection: IFS= read -r mtr_go'))).toBe(true);
    const jobs = await project.run(['--jobs', '--json']);
    expect(jobs.stdout).not.toContain('never-started');
    fs.rmSync(parent, { force: true });
  });

  it('an SFTP upload sends a file\'s write, times and close together, and renames it only once all three are answered', async () => {
    const project = makeProject({ sshd, files: { 'one.txt': 'hello\n' }, servers: { test: { sync: 'sftp' } } });
    // The log lives outside the project, or it would be uploaded too.
    const logFile = path.join(project.home, 'sftp.log');
    const run = await project.run(['--no-reuse', '--log-file', logFile, 'cat', 'one.txt']);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: 'hello\n' });
    const sftp = fs.readFileSync(logFile, 'utf8')
      .split('\n')
      .map((line) => /SFTP: (?:Outbound: (?:Buffered|Sent)|Inbound: Received) (\S+)/.exec(line)?.[1])
      .filter((what): what is string => what !== undefined);
    const open = sftp.indexOf('OPEN');
    expect(sftp.slice(open)).toEqual(['OPEN', 'HANDLE', 'WRITE', 'FSETSTAT', 'CLOSE', 'STATUS', 'STATUS', 'STATUS', 'posix-rename@openssh.com', 'STATUS']);
  });
});
