// A dry run changes nothing, and a flag that does not apply is refused before anything happens:
// `--dry-run --kill` leaves the job running, `--dry-run --get` downloads nothing (and connects
// nowhere), `--dry-run --watch` prints the plan and returns. The "remote" is this machine.
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { processTable, type ProcessRow } from '../support/processes.js';
import { eventually } from '../support/eventually.js';
import { JOBS_DIR, describeE2E } from '../support/sshd.js';
import { writeFile } from '../support/tree.js';

/** Live processes whose whole command line is `args`. */
function processesRunning(args: string): ProcessRow[] {
  return processTable().filter((p) => p.state !== 'Z' && p.args === args);
}

/** A port nothing listens on: taken from the kernel, then closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectCode(result: RunResult, code: number): void {
  expect(result.code, `exit code (stdout: ${result.stdout.trim() || 'empty'}; stderr: ${result.stderr.trim() || 'empty'})`).toBe(code);
}

/** The remote project's files (it is this machine's directory). */
const remoteFiles = (p: Project): string[] => (fs.existsSync(p.remoteDir) ? (fs.readdirSync(p.remoteDir, { recursive: true }) as string[]).sort() : []);

describeE2E('flag scope and dry runs', (sshd) => {
  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-scope-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd }));

  afterAll(async () => {
    for (const name of names) {
      if (fs.existsSync(path.join(JOBS_DIR, name))) await project().run(['--kill', name]);
      fs.rmSync(path.join(JOBS_DIR, name), { recursive: true, force: true });
    }
  });

  it('--dry-run --kill NAME is refused (exit 2) and the detached job is still running', async () => {
    const name = newName('kill');
    const sleeper = `sleep 3600.${randomInt(100_000, 999_999)}`;
    const started = await project().run(['--no-sync', '-d', '--name', name, ...sleeper.split(' ')]);
    expectCode(started, 0);
    // -d returns once tmux has the job; its pane may start the command a moment later.
    await eventually('the detached sleeper running', () => processesRunning(sleeper).length === 1, 15_000);

    const dry = await project().run(['--dry-run', '--kill', name]);
    expectCode(dry, 2);
    expect(dry.stdout).toBe('');
    expect(dry.stderr).toBe(
      'mtr: --dry-run does not apply to --kill: it would stop the job\n  fix: drop --dry-run to stop it; `mtr --jobs` shows it without stopping it\n',
    );

    const listed = await project().run(['--jobs', '--json']);
    expectCode(listed, 0);
    const job = (JSON.parse(listed.stdout) as { name: string; state: string }[]).find((j) => j.name === name);
    expect(job?.state).toBe('running');
    expect(processesRunning(sleeper)).toHaveLength(1);
    expect(fs.existsSync(path.join(JOBS_DIR, name, 'rc'))).toBe(false);
  });

  it.each([
    [['--dry-run', '--jobs'], /^mtr: --dry-run does not apply to --jobs\n {2}fix: /],
    [['--parallel', '3', '--attach', 'x'], /^mtr: --parallel does not apply to --attach\n {2}fix: /],
    [['-d', '--get', 'out'], /^mtr: -d\/--detach does not apply to --get\n {2}fix: /],
  ])('%j is refused with exit 2 and a fix line, before any connection', async (argv, message) => {
    const p = makeProject({ sshd, servers: { closed: { port: await closedPort() } } });
    const result = await p.run(argv);
    expectCode(result, 2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(2);
  });

  describe('--dry-run --get', () => {
    const seeded = (servers?: Record<string, Record<string, unknown>>) => {
      const p = makeProject({ sshd, createRemoteDir: true, files: { 'train.py': 'print(1)\n' }, ...(servers ? { servers } : {}) });
      writeFile(p.remoteDir, 'outputs/run1/metrics.json', '{"loss":0.5}\n');
      return p;
    };

    it('prints the server, the remote path and the exact local destination; downloads and syncs nothing', async () => {
      const p = seeded();
      const before = remoteFiles(p);
      const result = await p.run(['--dry-run', '--get', 'outputs/run1', '--to', 'results/']);
      expectCode(result, 0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^server: {6}test \(default\)$/m);
      expect(result.stdout).toContain(`remote path: ${p.remoteDir}/outputs/run1\n`);
      expect(result.stdout).toContain(`local:       ${path.join(p.root, 'results', 'run1')}\n`);
      expect(result.stdout).toMatch(/^sync first: {2}\S+ .* → /m);
      expect(result.stdout).toMatch(/^engine: {6}(rsync|sftp)/m);
      expect(fs.existsSync(path.join(p.root, 'results'))).toBe(false);
      expect(remoteFiles(p)).toEqual(before);
    });

    it('a file may take the name given: both landings are shown; --no-sync says so', async () => {
      const p = seeded();
      const result = await p.run(['--dry-run', '--no-sync', '--get', 'outputs/run1/metrics.json', '--to', 'm.json']);
      expectCode(result, 0);
      expect(result.stdout).toContain(`local:       ${path.join(p.root, 'm.json')} if metrics.json is a file; ${path.join(p.root, 'm.json', 'metrics.json')} if it is a folder\n`);
      expect(result.stdout).toContain('sync first:  skipped (--no-sync)\n');
      expect(fs.existsSync(path.join(p.root, 'm.json'))).toBe(false);
    });

    it('connects nowhere: a server that cannot be reached still gets its plan (exit 0)', async () => {
      const p = makeProject({ sshd, servers: { closed: { port: await closedPort(), download_dir: 'dl' } } });
      const result = await p.run(['--dry-run', '--get', 'outputs']);
      expectCode(result, 0);
      expect(result.stdout).toMatch(/^server: {6}closed \(default\)$/m);
      expect(result.stdout).toContain(`local:       ${path.join(p.root, 'dl', 'outputs')}\n`);
      expect(fs.existsSync(path.join(p.root, 'dl'))).toBe(false);
    });
  });

  describe('--dry-run --watch', () => {
    it('with a command: returns at once with the sync plan and the command it would restart; nothing synced or started', async () => {
      const p = makeProject({ sshd, servers: { closed: { port: await closedPort() } }, files: { 'app.py': 'print(1)\n' } });
      const name = newName('watch');
      const result = await p.run(['--dry-run', '--watch', '--name', name, 'python3', 'app.py'], { timeoutMs: 30_000 });
      expect(result.timedOut).toBe(false);
      expectCode(result, 0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^server: {6}closed \(default\)$/m);
      expect(result.stdout).toMatch(/^sync: {8}\S+ .* → .*\n {2}1 file, /m);
      expect(result.stdout).toContain('then every local change, as it happens');
      expect(result.stdout).toContain(`job:         ${name}-1, then ${name}-2, … (tmux -L mtr)`);
      expect(result.stdout).toMatch(/^exact remote command:\n {2}\/bin\/sh -c /m);
      expect(result.stdout).toMatch(/^ {2}python3 app\.py$/m);
      expect(remoteFiles(p)).toEqual([]);
      expect(fs.existsSync(path.join(JOBS_DIR, `${name}-1`))).toBe(false);
    });

    it('without a command: the sync plan, no job', async () => {
      const p = makeProject({ sshd, files: { 'a.txt': 'x\n' } });
      const result = await p.run(['--dry-run', '--watch'], { timeoutMs: 30_000 });
      expect(result.timedOut).toBe(false);
      expectCode(result, 0);
      expect(result.stdout).toContain('job:         (none: --watch without a command only syncs)\n');
      expect(result.stdout).not.toContain('exact remote command');
      expect(remoteFiles(p)).toEqual([]);
    });
  });
});
