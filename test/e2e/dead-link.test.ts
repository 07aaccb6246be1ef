// A link that dies without a word (a pulled cable: nothing arrives, no FIN, no RST), through a
// loopback proxy the test cuts. mtr notices within dead_link_timeout and exits 255 saying how to
// come back to the job (which goes on); during a sync nothing of mtr's stays on the server: the
// remote rsync leaves with its temp file, and an SFTP temp file goes with the next sync.
// Ctrl+C / SIGTERM during an SFTP upload remove its temp files at once.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { startCutProxy, trustProxy, type CutProxy } from '../support/cut-proxy.js';
import { eventually } from '../support/eventually.js';
import { makeProject, type Project } from '../support/mtr.js';
import { processTable } from '../support/processes.js';
import { describeE2E } from '../support/sshd.js';

// Short enough for a test; users get 30 s. Noticing may take this long, plus process start-up.
const TIMEOUT_S = 3;
const NOTICE_MS = TIMEOUT_S * 1000 + 2000;
// The server side counts a silent transfer as abandoned after twice the timeout.
const ABANDON_MS = 2 * TIMEOUT_S * 1000;

const BIG = randomBytes(4 * 1024 * 1024);
const SLOW = 256 * 1024;

const masterAlive = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;
const bigTemps = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.startsWith('.big.bin.')) : []);
const remoteRsyncs = (dir: string) =>
  processTable()
    .map((p) => `${p.pid} ${p.args}`)
    .filter((line) => line.includes('rsync --server') && line.includes(dir));

describeE2E('dead link', (sshd) => {
  async function projectBehindProxy(context: TestContext, settings: Record<string, unknown> = {}): Promise<{ project: Project; proxy: CutProxy }> {
    const proxy = await startCutProxy({ host: sshd.host, port: sshd.port });
    context.onTestFinished(() => proxy.close());
    const project = makeProject({ sshd, servers: { test: { port: proxy.port, dead_link_timeout: TIMEOUT_S, ...settings } }, files: { 'a.txt': 'a\n' } });
    trustProxy(project.home, sshd, proxy);
    return { project, proxy };
  }

  // A cold run that leaves a shared master behind; its socket, from the run's log.
  async function warmUp(project: Project): Promise<string> {
    const cold = await project.run(['--no-sync', '--log-file', 'cold.log', 'true']);
    expect(cold.code, cold.stderr).toBe(0);
    const socket = /starting a shared connection in the background: (\S+)/.exec(fs.readFileSync(path.join(project.root, 'cold.log'), 'utf8'))?.[1];
    expect(socket).toBeDefined();
    await eventually('the shared master', () => masterAlive(socket!));
    return socket!;
  }

  const jobName = () => `cut-${randomInt(1e9)}`;

  // Starts a batch job that prints `started`, cuts the link once it has, and returns how it ended.
  async function cutDuringJob(project: Project, proxy: CutProxy, name: string, extra: string[] = []) {
    const running = project.spawn(['--no-sync', ...extra, '--name', name, 'sh', '-c', 'echo started; sleep 30; echo done'], { timeoutMs: 25_000 });
    let stdout = '';
    running.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await eventually('the job to start', () => stdout.includes('started'));
    proxy.cut();
    const cutAt = Date.now();
    const result = await running.result;
    return { result, noticedAfterMs: Date.now() - cutAt };
  }

  async function expectJobRunning(project: Project, name: string): Promise<void> {
    // The link is back for new connections: the job went on.
    const jobs = await project.run(['--jobs']);
    expect(jobs.stdout).toMatch(new RegExp(`${name}\\s+running`));
    await project.run(['--kill', name]);
  }

  // The sync of a big file over a slow link, started by `mtr [args] true`; resolves once the
  // file's temp copy on the server has data.
  async function startSlowUpload(project: Project, proxy: CutProxy, args: string[] = []) {
    fs.writeFileSync(path.join(project.root, 'big.bin'), BIG);
    proxy.throttle(SLOW);
    const running = project.spawn([...args, 'true'], { timeoutMs: 25_000 });
    await eventually('an upload temp file on the server', () => bigTemps(project.remoteDir).find((n) => fs.statSync(path.join(project.remoteDir, n)).size > 0), 15_000);
    return running;
  }

  async function cutDuringUpload(project: Project, proxy: CutProxy, args: string[] = []) {
    const running = await startSlowUpload(project, proxy, args);
    proxy.cut();
    proxy.throttle(undefined);
    const cutAt = Date.now();
    const result = await running.result;
    return { result, noticedAfterMs: Date.now() - cutAt };
  }

  async function expectRemoteRsyncGone(project: Project): Promise<void> {
    await eventually(
      () => `the remote rsync and its temp file to go: ${remoteRsyncs(project.remoteDir).join('; ')} ${bigTemps(project.remoteDir).join(' ')}`,
      () => remoteRsyncs(project.remoteDir).length === 0 && bigTemps(project.remoteDir).length === 0,
      ABANDON_MS + 5000,
    );
  }

  describe.concurrent('each test on its own cut-able link', () => {
    it('a run whose link dies exits 255 within dead_link_timeout and names the job to come back to', async (context) => {
      const { project, proxy } = await projectBehindProxy(context, { reuse: false });
      const name = jobName();
      const { result, noticedAfterMs } = await cutDuringJob(project, proxy, name);
      expect({ code: result.code, timedOut: result.timedOut }).toEqual({ code: 255, timedOut: false });
      expect(noticedAfterMs).toBeLessThan(NOTICE_MS);
      expect(result.stderr).toContain(`job ${name} goes on on the server: \`mtr --attach ${name}\``);
      await expectJobRunning(project, name);
    });

    it('a run through a shared connection whose link dies says so too, and how to come back', async (context) => {
      const { project, proxy } = await projectBehindProxy(context);
      const socket = await warmUp(project);
      const name = jobName();
      const { result, noticedAfterMs } = await cutDuringJob(project, proxy, name, ['--log-file', 'warm.log']);
      const log = fs.readFileSync(path.join(project.root, 'warm.log'), 'utf8');
      expect(log).toContain(`reusing the shared connection ${socket}`);
      expect({ code: result.code, timedOut: result.timedOut }).toEqual({ code: 255, timedOut: false });
      expect(noticedAfterMs).toBeLessThan(NOTICE_MS);
      expect(result.stderr).toContain(`job ${name} goes on on the server: \`mtr --attach ${name}\``);
      expect(log).toContain(`the shared connection ${socket} died`);
      await expectJobRunning(project, name);
    });

    it('a shared master killed outright is a lost connection too; a command\'s own 255 stays its own', async () => {
      const project = makeProject({ sshd });
      const socket = await warmUp(project);
      const own = await project.run(['--no-sync', 'sh', '-c', 'echo fine; exit 255']);
      expect({ code: own.code, stdout: own.stdout, stderr: own.stderr }).toEqual({ code: 255, stdout: 'fine\n', stderr: '' });
      const name = jobName();
      const running = project.spawn(['--no-sync', '--name', name, 'sh', '-c', 'echo started; sleep 30'], { timeoutMs: 20_000 });
      let stdout = '';
      running.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      await eventually('the job to start', () => stdout.includes('started'));
      spawnSync('pkill', ['-KILL', '-f', socket]); // a master shows as `ssh: <socket> [mux]`
      const result = await running.result;
      expect({ code: result.code, timedOut: result.timedOut }).toEqual({ code: 255, timedOut: false });
      expect(result.stderr).toContain(`\`mtr --attach ${name}\``);
      await expectJobRunning(project, name);
    });

    it('sftp: a link that dies during the upload ends it within the timeout; the next sync removes the temp file', async (context) => {
      const { project, proxy } = await projectBehindProxy(context, { reuse: false, sync: 'sftp' });
      const { result, noticedAfterMs } = await cutDuringUpload(project, proxy);
      expect({ code: result.code, timedOut: result.timedOut }).toEqual({ code: 255, timedOut: false });
      expect(noticedAfterMs).toBeLessThan(NOTICE_MS);
      expect(result.stderr).toContain('the connection dropped during the SFTP sync');
      // The server cannot tell the link died: the temp file stays until it counts as abandoned.
      const [temp] = bigTemps(project.remoteDir);
      expect(temp).toBeDefined();
      const tempPath = path.join(project.remoteDir, temp!);
      await eventually('the temp file to count as abandoned', () => Date.now() - fs.statSync(tempPath).ctimeMs > ABANDON_MS + 500, ABANDON_MS + 5000);
      const logFile = path.join(project.home, 'again.log');
      const tail = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '(no log)');
      let again = await project.run(['--log-file', logFile, 'true']);
      // On a loaded machine this run's fresh link has been called dead under the test's 3 s
      // dead_link_timeout: twice while its SFTP channel opened (then misreported as a refused
      // channel, now a connection error), once when the server left two REMOVEs unanswered for
      // 2.9 s. Never alone. Its debug log is printed, and the run is tried once more: the cleanup
      // below is what this test is for.
      if (again.code === 255 && /connection (closed|dropped)/.test(again.stderr)) {
        console.warn(`dead-link: the run after the cut lost its link (${again.stderr.split('\n')[0]}); trying once more. Its log:\n${tail()}`);
        again = await project.run(['--log-file', logFile, 'true']);
      }
      expect(again.code, `${again.stderr}\n${again.code === 0 ? '' : tail()}`).toBe(0);
      expect(bigTemps(project.remoteDir)).toEqual([]);
      expect(fs.readFileSync(path.join(project.remoteDir, 'big.bin')).equals(BIG)).toBe(true);
    });

    it('rsync: a link that dies during the upload ends it within the timeout, and the remote rsync leaves with its temp file', async (context) => {
      const { project, proxy } = await projectBehindProxy(context, { reuse: false, sync: 'rsync' });
      const { result, noticedAfterMs } = await cutDuringUpload(project, proxy);
      expect({ code: result.code, timedOut: result.timedOut }).toEqual({ code: 255, timedOut: false });
      expect(noticedAfterMs).toBeLessThan(NOTICE_MS);
      expect(result.stderr).toContain('dropped during the transfer (rsync)');
      await expectRemoteRsyncGone(project);
    });

    it('rsync through a shared connection: the dead link is reported as one, and the remote rsync leaves', async (context) => {
      const { project, proxy } = await projectBehindProxy(context, { sync: 'rsync' });
      await warmUp(project);
      const { result, noticedAfterMs } = await cutDuringUpload(project, proxy, ['--log-file', 'warm.log']);
      expect(fs.readFileSync(path.join(project.root, 'warm.log'), 'utf8')).toContain('reusing the shared connection');
      expect({ code: result.code, timedOut: result.timedOut }).toEqual({ code: 255, timedOut: false });
      expect(noticedAfterMs).toBeLessThan(NOTICE_MS);
      expect(result.stderr).toMatch(/the shared connection to \S+ dropped during the transfer \(rsync\)/);
      await expectRemoteRsyncGone(project);
    });

    it.for([
      ['sftp', 'SIGINT', 130],
      ['sftp', 'SIGTERM', 143],
      ['rsync', 'SIGINT', 130],
    ] as const)('%s: %s during the upload removes its temp files at once and exits %i', async ([engine, signal, code], context) => {
      const { project, proxy } = await projectBehindProxy(context, { reuse: false, sync: engine });
      const running = await startSlowUpload(project, proxy);
      running.child.kill(signal);
      const result = await running.result;
      expect({ code: result.code, signal: result.signal, timedOut: result.timedOut, stderr: result.stderr }).toEqual({ code, signal: null, timedOut: false, stderr: '' });
      await eventually(() => `the temp files to go: ${bigTemps(project.remoteDir).join(' ')}`, () => bigTemps(project.remoteDir).length === 0, 2000);
    });
  });
});
