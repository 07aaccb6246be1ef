// `mtr --watch` against the real test sshd. The "remote" is this machine, so remote files and the
// remote process table are checked directly. Every wait is bounded; every mtr is killed in finally.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeProject, type Project, type Running } from '../support/mtr.js';
import { processTable } from '../support/processes.js';
import { describeE2E } from '../support/sshd.js';
import { eventually, sleep } from '../support/eventually.js';


/** Polls until `probe` returns something truthy; fails with `what` after `timeoutMs`. */

const readOr = (file: string, fallback = ''): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
};

interface Watching {
  running: Running;
  stdout(): string;
  stderr(): string;
  /** SIGINT, then the exit code (bounded). */
  stop(): Promise<number | null>;
  kill(): void;
}

// Spawns `mtr --watch …` in batch mode and waits (bounded) for its "watching" line.
async function startWatch(project: Project, args: string[]): Promise<Watching> {
  const running = project.spawn(['--watch', '--no-tty', ...args], { timeoutMs: 120_000 });
  let out = '';
  let err = '';
  running.child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  running.child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const watching: Watching = {
    running,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      running.child.kill('SIGINT');
      const result = await Promise.race([running.result, sleep(20_000).then(() => undefined)]);
      if (!result) throw new Error(`mtr --watch did not stop within 20 s after SIGINT:\n${err}`);
      return result.code;
    },
    kill() {
      if (running.child.exitCode === null && running.child.pid) {
        try {
          process.kill(-running.child.pid, 'SIGKILL');
        } catch {
          running.child.kill('SIGKILL');
        }
      }
    },
  };
  try {
    await eventually('the "watching" line', () => /mtr: watching /.test(err) || running.child.exitCode !== null, 30_000);
  } catch (error) {
    watching.kill();
    throw error;
  }
  if (running.child.exitCode !== null) throw new Error(`mtr --watch exited early (${running.child.exitCode}):\n${err}`);
  return watching;
}

const syncLines = (stderr: string) => stderr.split('\n').filter((line) => /^mtr: synced /.test(line)).length;

function write(root: string, rel: string, content: string): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Live processes whose whole command line is `args`. */
function processesWithArgs(args: string): number[] {
  return processTable()
    .filter((p) => p.state !== 'Z' && p.args === args)
    .map((p) => p.pid);
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// The sshd processes serving `clientPid`'s connection to `port` (found through `ss -tnp`).
function sshdProcessesFor(clientPid: number, port: number): number[] {
  const lines = execFileSync('ss', ['-tnpH'], { encoding: 'utf8' }).split('\n');
  const pidsOf = (line: string) => [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
  const fields = (line: string) => line.trim().split(/\s+/);
  const clientPorts = lines
    .filter((line) => pidsOf(line).includes(clientPid) && fields(line)[4] === `127.0.0.1:${port}`)
    .map((line) => fields(line)[3]?.split(':').pop());
  return lines
    .filter((line) => fields(line)[3] === `127.0.0.1:${port}` && clientPorts.includes(fields(line)[4]?.split(':').pop()))
    .flatMap(pidsOf);
}

describeE2E('mtr --watch', () => {
  it('sends a new file, an edit and a burst; never an ignored or editor temp file; deletes nothing by default', async () => {
    const project = makeProject({ files: { 'a.txt': 'one\n', 'gone.txt': 'bye\n', '.gitignore': 'ignored/\n*.log\n' } });
    const remote = (rel: string) => path.join(project.remoteDir, rel);
    const watch = await startWatch(project, []);
    try {
      expect(readOr(remote('a.txt'))).toBe('one\n');

      write(project.root, 'new.txt', 'new\n');
      await eventually('new.txt on the remote', () => readOr(remote('new.txt')) === 'new\n');

      write(project.root, 'a.txt', 'two\n');
      await eventually('the edit of a.txt', () => readOr(remote('a.txt')) === 'two\n');

      // Editor patterns: a swap file, a backup, and "write a temp file, rename it over the target".
      write(project.root, '.a.txt.swp', 'swap');
      write(project.root, 'a.txt~', 'backup');
      write(project.root, 'a.txt.tmp1234', 'three\n');
      fs.renameSync(path.join(project.root, 'a.txt.tmp1234'), path.join(project.root, 'a.txt'));
      write(project.root, 'debug.log', 'ignored by .gitignore');
      write(project.root, 'ignored/deep/x.txt', 'ignored dir');
      fs.rmSync(path.join(project.root, 'gone.txt'));
      await eventually('the atomic save of a.txt', () => readOr(remote('a.txt')) === 'three\n');

      const before = syncLines(watch.stderr());
      fs.mkdirSync(path.join(project.root, 'burst'));
      for (let i = 0; i < 300; i++) write(project.root, `burst/f${i}.txt`, `file ${i}\n`);
      const burstArrived = () => Array.from({ length: 300 }, (_, i) => i).every((i) => readOr(remote(`burst/f${i}.txt`)) === `file ${i}\n`);
      await eventually('300 burst files on the remote', burstArrived, 20_000);
      // A marker synced after the burst, of a size no burst batch has (the burst is ~3 KB in all):
      // once its line is out, every burst batch has reported.
      write(project.root, 'marker.txt', 'm'.repeat(9999));
      await eventually('the sync line of marker.txt', () => watch.stderr().includes('mtr: synced 1 file (9.8 KB)'));
      const burstSyncs = syncLines(watch.stderr()) - before - 1;
      expect(burstSyncs).toBeGreaterThanOrEqual(1);
      expect(burstSyncs).toBeLessThanOrEqual(10);

      for (const rel of ['.a.txt.swp', 'a.txt~', 'a.txt.tmp1234', 'debug.log', 'ignored']) {
        expect(fs.existsSync(remote(rel)), `${rel} must not reach the remote`).toBe(false);
      }
      // Default delete policy: a local deletion leaves the remote copy.
      expect(readOr(remote('gone.txt'))).toBe('bye\n');

      expect(await watch.stop()).toBe(0);
    } finally {
      watch.kill();
    }
  }, 90_000);

  it('mirrors deletions and renames with --delete', async () => {
    const project = makeProject({ files: { 'keep.txt': 'k\n', 'old-name.txt': 'moved\n', 'dir/inner.txt': 'i\n', 'del.txt': 'd\n' } });
    const remote = (rel: string) => path.join(project.remoteDir, rel);
    const watch = await startWatch(project, ['--delete']);
    try {
      expect(fs.existsSync(remote('del.txt'))).toBe(true);
      fs.rmSync(path.join(project.root, 'del.txt'));
      fs.renameSync(path.join(project.root, 'old-name.txt'), path.join(project.root, 'new-name.txt'));
      fs.rmSync(path.join(project.root, 'dir'), { recursive: true });
      await eventually('the rename on the remote', () => readOr(remote('new-name.txt')) === 'moved\n');
      await eventually('the deletions on the remote', () => !fs.existsSync(remote('del.txt')) && !fs.existsSync(remote('old-name.txt')) && !fs.existsSync(remote('dir'))).catch((error: Error) => {
        throw new Error(`${error.message}\nremote: ${fs.readdirSync(project.remoteDir, { recursive: true }).join(' ')}\nstderr:\n${watch.stderr()}`);
      });
      expect(readOr(remote('keep.txt'))).toBe('k\n');
      expect(await watch.stop()).toBe(0);
    } finally {
      watch.kill();
    }
  }, 60_000);

  it('restarts the command on a change: the old remote process is gone, a separator marks the restart', async () => {
    const project = makeProject({ files: { 'app.txt': 'v1\n' } });
    const sleepArgs = `sleep 600.${randomInt(100_000, 999_999)}`;
    const watch = await startWatch(project, ['sh', '-c', `echo started $$; cat app.txt; ${sleepArgs}`]);
    const pids = () => [...watch.stdout().matchAll(/started (\d+)/g)].map((m) => Number(m[1]));
    try {
      const [first] = await eventually('the first run', () => (pids().length === 1 ? pids() : undefined), 15_000);
      expect(isAlive(first as number)).toBe(true);
      await eventually('the first sleep', () => processesWithArgs(sleepArgs).length === 1);
      // Output is streamed by polling the job's files: it can trail the process by a poll interval.
      await eventually('the first output', () => watch.stdout().includes('v1'));

      write(project.root, 'app.txt', 'v2\n');
      const [, second] = await eventually('the second run', () => (pids().length === 2 ? pids() : undefined), 20_000);
      expect(second).not.toBe(first);
      await eventually('v2 in the second run', () => watch.stdout().includes('v2'));
      expect(watch.stderr()).toMatch(/^──── mtr: app\.txt changed: restarting \(run 2\) ────$/m);
      expect(isAlive(first as number)).toBe(false);
      await eventually('exactly one sleep (the second run)', () => processesWithArgs(sleepArgs).length === 1);

      expect(await watch.stop()).toBe(0);
      expect(isAlive(second as number)).toBe(false);
      expect(processesWithArgs(sleepArgs)).toEqual([]);
    } finally {
      watch.kill();
    }
  }, 90_000);

  // The stop waits kill_grace after SIGINT before SIGTERM: a handler that needs longer than that
  // (but less than the 2 s default) is cut short, and the run records 143, not its own 0.
  it('stopping the command honours kill_grace: SIGTERM follows SIGINT after it', async () => {
    const project = makeProject({ servers: { test: { kill_grace: 0.3 } }, files: { 'app.txt': 'v1\n' } });
    const name = `e2e-watch-grace-${randomInt(100_000, 999_999)}`;
    const watch = await startWatch(project, ['--name', name, 'sh', '-c', "trap 'sleep 1.2; exit 0' INT; echo ready; while :; do sleep 0.1; done"]);
    try {
      await eventually('the run to be ready', () => watch.stdout().includes('ready'), 15_000);
      expect(await watch.stop()).toBe(0);
      expect(readOr(path.join(os.userInfo().homedir, '.mtr', 'jobs', `${name}-1`, 'rc')).trim()).toBe('143');
    } finally {
      watch.kill();
    }
  }, 60_000);

  it('picks up new ignore rules: a file they no longer exclude is sent, and its directory is now watched', async () => {
    const project = makeProject({ files: { '.gitignore': 'data/\n', 'data/x.txt': 'x\n', 'a.txt': 'a\n' } });
    const remote = (rel: string) => path.join(project.remoteDir, rel);
    const watch = await startWatch(project, []);
    try {
      expect(fs.existsSync(remote('data'))).toBe(false);
      write(project.root, '.gitignore', '*.log\n');
      await eventually('data/x.txt on the remote', () => readOr(remote('data/x.txt')) === 'x\n');
      write(project.root, 'data/y.txt', 'y\n');
      await eventually('data/y.txt on the remote', () => readOr(remote('data/y.txt')) === 'y\n');
      expect(watch.stderr()).toContain('ignore rules changed');
      expect(await watch.stop()).toBe(0);
    } finally {
      watch.kill();
    }
  }, 60_000);

  it('says when the command ends by itself, and runs it again on the next change', async () => {
    const project = makeProject({ files: { 'app.txt': 'v1\n' } });
    const watch = await startWatch(project, ['sh', '-c', 'echo run $(cat app.txt); exit 3']);
    try {
      await eventually('the exit note', () => /exited with code 3; waiting for changes/.test(watch.stderr()), 15_000);
      write(project.root, 'app.txt', 'v2\n');
      await eventually('the second run', () => watch.stdout().includes('run v2'), 20_000);
      expect(watch.stdout()).toBe('run v1\nrun v2\n');
      expect(await watch.stop()).toBe(0);
    } finally {
      watch.kill();
    }
  }, 60_000);

  it("shows a sync's notice as one line of its own, before the watching line", async () => {
    const project = makeProject({ servers: { test: { sync: 'sftp' } }, files: { 'a.txt': 'a\n' } });
    fs.writeFileSync(Buffer.concat([Buffer.from(`${project.root}/caf`), Buffer.from([0xff]), Buffer.from('.txt')]), 'raw name\n');
    const watch = await startWatch(project, []);
    try {
      const lines = watch.stderr().split('\n');
      const notices = lines.filter((line) => line.includes('not valid UTF-8'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^mtr: SFTP did not send 1 file whose names? (is|are) not valid UTF-8 .*: caf\\xff\.txt;/);
      expect(lines.indexOf(notices[0]!)).toBeLessThan(lines.findIndex((line) => line.startsWith('mtr: watching ')));
      expect(await watch.stop()).toBe(0);
    } finally {
      watch.kill();
    }
  }, 60_000);

  it('reconnects after the connection drops and syncs what changed meanwhile', async () => {
    const project = makeProject({ files: { 'a.txt': 'one\n' } });
    const remote = (rel: string) => path.join(project.remoteDir, rel);
    const watch = await startWatch(project, []);
    try {
      const servers = sshdProcessesFor(watch.running.child.pid as number, project.sshd.port);
      expect(servers.length).toBeGreaterThan(0);
      for (const pid of servers) process.kill(pid, 'SIGKILL');
      write(project.root, 'while-down.txt', 'missed?\n');
      await eventually('the reconnect', () => /reconnected/.test(watch.stderr()), 20_000);
      await eventually('while-down.txt on the remote', () => readOr(remote('while-down.txt')) === 'missed?\n', 20_000);
      write(project.root, 'after.txt', 'after\n');
      await eventually('after.txt on the remote', () => readOr(remote('after.txt')) === 'after\n');
      expect(await watch.stop()).toBe(0);
    } finally {
      watch.kill();
    }
  }, 90_000);

  it('after a reconnect, restarts the command that was running: the old run is stopped, one run goes on', async () => {
    const project = makeProject({ files: { 'app.txt': 'v1\n' } });
    const sleepArgs = `sleep 600.${randomInt(100_000, 999_999)}`;
    const watch = await startWatch(project, ['sh', '-c', `echo started $$; ${sleepArgs}`]);
    const pids = () => [...watch.stdout().matchAll(/started (\d+)/g)].map((m) => Number(m[1]));
    try {
      const [first] = await eventually('the first run', () => (pids().length === 1 ? pids() : undefined), 15_000);
      await eventually('the first sleep', () => processesWithArgs(sleepArgs).length === 1);
      for (const pid of sshdProcessesFor(watch.running.child.pid as number, project.sshd.port)) process.kill(pid, 'SIGKILL');
      const [, second] = await eventually('the second run', () => (pids().length === 2 ? pids() : undefined), 30_000);
      expect(watch.stderr()).toMatch(/^mtr: connection lost; reconnecting$/m);
      expect(watch.stderr()).toMatch(/^──── mtr: reconnected: restarting \(run 2\) ────$/m);
      expect(isAlive(first as number)).toBe(false);
      await eventually('exactly one sleep (the second run)', () => processesWithArgs(sleepArgs).length === 1);
      expect(await watch.stop()).toBe(0);
      expect(isAlive(second as number)).toBe(false);
    } finally {
      watch.kill();
    }
  }, 90_000);
});
