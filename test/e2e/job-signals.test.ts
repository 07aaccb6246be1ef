// What signals to the *client* do to a job running in tmux on the server: SIGKILL and SIGHUP leave it
// running (it is a job, not a child of the connection), Ctrl+C / SIGTERM stop its whole process group
// and record 130 / 143. The "remote" is this machine, so its process table and ~/.mtr/jobs are ours
// to inspect. (Every run passes --no-sync: sync is tested elsewhere.)
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeProject, type Project, type Running, type RunResult } from '../support/mtr.js';
import { processTable, type ProcessRow } from '../support/processes.js';
import { JOBS_DIR, type SshdInfo, describeE2E } from '../support/sshd.js';
import { eventually, sleep } from '../support/eventually.js';

const jobFile = (name: string, file: string) => path.join(JOBS_DIR, name, file);
const readJobFile = (name: string, file: string): string | undefined => {
  try {
    return fs.readFileSync(jobFile(name, file), 'utf8');
  } catch {
    return undefined;
  }
};

/** Polls until `probe` returns something truthy; fails with `what` after `timeoutMs`. */

/** Seconds between --kill's signals in this file's project (the default is 5). */
const KILL_GRACE = 0.5;

/** `sleep 3600.<random>`: a process whose command line is unique, so `ps` can find it. */
const uniqueSleep = () => `sleep 3600.${randomInt(100_000, 999_999)}`;

/** Live processes whose whole command line is `args`, or that are in process group `pgid`. */
function findProcesses(match: { args?: string; pgid?: number }): ProcessRow[] {
  return processTable().filter(
    (p) => p.state !== 'Z' && ((match.pgid !== undefined && p.pgid === match.pgid) || (match.args !== undefined && p.args === match.args)),
  );
}

/** Remote helper shells still polling job `name` (its stream/wait scripts name the session as `=name`). */
function pollersOf(name: string): string[] {
  return processTable()
    .filter((p) => p.state !== 'Z' && p.args.split(' ')[0] !== 'tmux' && p.args.includes(`has-session -t =${name}`))
    .map((p) => `${p.pid} ${p.args}`);
}

/** SIGKILLs a job's process group, but only while it runs: a finished job's pid may be reused. */
function killLeftoverJob(name: string): void {
  const pid = Number(readJobFile(name, 'pid'));
  if (!(pid > 1) || readJobFile(name, 'rc') !== undefined) return;
  try {
    if (fs.readlinkSync(`/proc/${pid}/cwd`) === path.join(JOBS_DIR, name)) process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function tmuxKill(sshd: SshdInfo, name: string): void {
  try {
    execFileSync('tmux', ['-L', 'mtr', 'kill-session', '-t', `=${name}`], { env: { ...process.env, TMUX_TMPDIR: sshd.tmuxTmpDir }, stdio: 'ignore' });
  } catch {
    // no such session
  }
}

function tmuxHasSession(sshd: SshdInfo, name: string): boolean {
  try {
    execFileSync('tmux', ['-L', 'mtr', 'has-session', '-t', `=${name}`], {
      env: { ...process.env, TMUX_TMPDIR: sshd.tmuxTmpDir },
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** The exit code, with stderr as the failure message. */
function expectCode(result: RunResult, code: number): void {
  expect(result.code, `exit code (stderr: ${result.stderr.trim() || 'empty'})`).toBe(code);
}

/** The client's result, or a failure if it is still running after `ms`. */
async function exitWithin(running: Running, ms: number): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      process.kill(-running.child.pid!, 'SIGKILL'); // mtr and any ssh it started
      reject(new Error(`mtr still running ${ms} ms after the signal`));
    }, ms);
  });
  try {
    return await Promise.race([running.result, late]);
  } finally {
    clearTimeout(timer);
  }
}

// mtr leaves a shared connection behind after a run; the next runs of the project reuse it. The
// debug log is the only outside sign of it, so wait until a run logs the reuse.
async function warmSharedConnection(p: Project): Promise<void> {
  const log = path.join(p.root, 'reuse-probe.log');
  for (let attempt = 0; attempt < 20; attempt++) {
    fs.rmSync(log, { force: true });
    await p.run(['--no-sync', '--log-file', log, 'true']);
    if (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('reusing the shared connection')) return;
    await sleep(250);
  }
  throw new Error('runs never reused a shared connection (has connection reuse changed?)');
}

/** A spawned client whose output is kept from the start, so it can be awaited and shown on failure. */
interface Client extends Running {
  output(): string;
  /** Resolves once stdout contains `text`. */
  until(text: string, timeoutMs?: number): Promise<void>;
}

function watch(running: Running): Client {
  let stdout = '';
  let stderr = '';
  running.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  running.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const output = () => `stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`;
  const until = (text: string, timeoutMs = 15_000) =>
    eventually(() => `${JSON.stringify(text)} on stdout (${output()})`, () => stdout.includes(text), timeoutMs).then(() => undefined);
  return { ...running, output, until };
}

describeE2E('mtr jobs: signals to the client', (sshd) => {
  let shared: Project | undefined;
  // A short kill_grace: the --kill escalations below wait it out twice.
  const project = (): Project => (shared ??= makeProject({ sshd, servers: { test: { kill_grace: KILL_GRACE } } }));
  const mtr = (args: string[]) => project().run(args);
  const spawnJob = (name: string, argv: string[], flags: string[] = []) =>
    watch(project().spawn([...flags, '--no-sync', '--name', name, ...argv], { timeoutMs: 60_000 }));

  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-sig-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };

  // Whatever a failed test left behind: its process group, its tmux session, its record.
  afterAll(() => {
    for (const name of names) {
      killLeftoverJob(name);
      tmuxKill(sshd, name);
      fs.rmSync(path.join(JOBS_DIR, name), { recursive: true, force: true });
    }
  });

  it('SIGKILL of the client: the job finishes on the server; --wait gives its code, --logs its output', async () => {
    const name = newName('kill9');
    // The job ends once the test writes `go`, after the client is gone.
    const go = jobFile(name, 'go');
    const running = spawnJob(name, ['sh', '-c', `while [ ! -f ${go} ]; do sleep 0.05; done; echo done; exit 5`]);
    await eventually(() => `the client to stream the job (${running.output()})`, () => readJobFile(name, 'pid') && pollersOf(name).length > 0, 20_000);
    process.kill(-running.child.pid!, 'SIGKILL');
    const client = await running.result;
    expect(client.signal).toBe('SIGKILL');
    expect(readJobFile(name, 'rc')).toBeUndefined(); // it was still running when the client died
    fs.writeFileSync(go, '');

    const waited = await mtr(['--wait', name]);
    expect({ code: waited.code, stdout: waited.stdout, stderr: waited.stderr }).toEqual({ code: 5, stdout: '', stderr: '' });
    const logs = await mtr(['--logs', name]);
    expect({ code: logs.code, stdout: logs.stdout }).toEqual({ code: 0, stdout: 'done\n' });
  });

  it('SIGKILL of the client leaves no polling shell behind on the server while the job runs on', async () => {
    const name = newName('kill9-poll');
    const marker = uniqueSleep();
    const running = spawnJob(name, ['sh', '-c', `echo started; ${marker}`]);
    await running.until('started\n');
    process.kill(-running.child.pid!, 'SIGKILL');
    await running.result;
    // sshd ends the session when the link drops; a poller that outlives it forks wc/tail/sleep
    // twice a second until the job ends (days, for a training run), one per dropped client.
    await eventually(() => `no poller for ${name} (left: ${pollersOf(name).join(' | ').slice(0, 300)})`, () => pollersOf(name).length === 0, 5_000);
    expect(findProcesses({ args: marker })).toHaveLength(1); // the job itself goes on
    expectCode(await mtr(['--kill', name]), 0);
  });

  it.each([
    ['SIGINT', 'a fresh connection', 130, ['--no-reuse']],
    ['SIGINT', 'a shared connection', 130, []],
    ['SIGTERM', 'a fresh connection', 143, ['--no-reuse']],
    ['SIGTERM', 'a shared connection', 143, []],
  ] as const)("%s to a batch client over %s stops the remote process group: exit %i, recorded as the job's rc", async (signal, _mode, code, flags) => {
    if (!flags.length) await warmSharedConnection(project());
    const name = newName(signal.toLowerCase());
    const marker = uniqueSleep();
    const running = spawnJob(name, ['sh', '-c', `echo started; ${marker}; echo SHOULD-NOT-PRINT`], [...flags]);
    await running.until('started\n');
    const pgid = Number(await eventually('the pid file', () => readJobFile(name, 'pid')));
    expect(findProcesses({ args: marker })).toHaveLength(1);

    process.kill(running.child.pid!, signal);
    const client = await exitWithin(running, 5_000);
    expectCode(client, code);
    expect(client.stdout).toBe('started\n');

    await eventually(`the job's processes to be gone (${marker})`, () => findProcesses({ args: marker, pgid }).length === 0, 5_000);
    const rc = await eventually("the job's rc file", () => readJobFile(name, 'rc'), 5_000).catch(() => undefined);
    expect(rc?.trim(), `rc of job ${name}`).toBe(String(code));
    expect(tmuxHasSession(sshd, name)).toBe(false);
  });

  it('SIGHUP of the client leaves the job running; --kill stops it and its processes', async () => {
    const name = newName('hup');
    const marker = uniqueSleep();
    const running = spawnJob(name, ['sh', '-c', `echo started; ${marker}`]);
    await running.until('started\n');
    const pgid = Number(await eventually('the pid file', () => readJobFile(name, 'pid')));
    process.kill(running.child.pid!, 'SIGHUP');
    const client = await running.result;
    expect(client.code === null ? client.signal : client.code).not.toBe(0);

    // A wrongly forwarded signal has had the time of a whole --jobs run to land.
    const listed = await mtr(['--jobs', '--json']);
    expectCode(listed, 0);
    const job = (JSON.parse(listed.stdout) as Array<{ name: string; state: string }>).find((j) => j.name === name);
    expect(job?.state).toBe('running');
    expect(findProcesses({ args: marker })).toHaveLength(1);

    const killed = await mtr(['--kill', name]);
    expectCode(killed, 0);
    const after = (JSON.parse((await mtr(['--jobs', '--json'])).stdout) as Array<{ name: string; state: string; exitCode: number | null }>).find(
      (j) => j.name === name,
    );
    expect(after?.state).toBe('exited');
    expect([130, 143, 137]).toContain(after?.exitCode);
    expect(findProcesses({ args: marker, pgid })).toEqual([]);
    expect(tmuxHasSession(sshd, name)).toBe(false);
  });

  it('Ctrl+C reaches a job that handles it, and its last output still arrives', async () => {
    const name = newName('int-handled');
    const running = spawnJob(name, ['sh', '-c', `trap 'sleep 0.3; echo cleaned up; exit 7' INT; echo ready; while :; do sleep 0.1; done`]);
    await running.until('ready\n');
    process.kill(running.child.pid!, 'SIGINT');
    const client = await running.result;
    expect(client.stdout).toBe('ready\ncleaned up\n');
    expect(readJobFile(name, 'rc')?.trim()).toBe('7');
    // 130 ("after a forwarded Ctrl+C") or the job's own 7 ("the remote code exactly"): see report.
    expect([7, 130]).toContain(client.code);
  });

  it.each([
    ['a fresh connection', ['--no-reuse']],
    ['a shared connection', []],
  ])('a second Ctrl+C stops waiting for a job that survives the first; the job goes on (over %s)', async (_mode, flags) => {
    if (!flags.length) await warmSharedConnection(project());
    const name = newName('int-twice');
    const running = spawnJob(name, ['sh', '-c', `trap 'echo got INT' INT; echo ready; while :; do sleep 0.1; done`], flags);
    await running.until('ready\n');
    process.kill(running.child.pid!, 'SIGINT');
    await running.until('got INT\n', 5_000);
    // A whole --jobs run later the client is still waiting for the job, which still runs.
    const job = (JSON.parse((await mtr(['--jobs', '--json'])).stdout) as Array<{ name: string; state: string }>).find((j) => j.name === name);
    expect(job?.state).toBe('running');
    expect(running.child.exitCode).toBeNull();
    process.kill(running.child.pid!, 'SIGINT');
    const client = await exitWithin(running, 5_000);
    expectCode(client, 130);
    expect(client.stderr).toContain(`mtr --attach ${name}`);
    const after = (JSON.parse((await mtr(['--jobs', '--json'])).stdout) as Array<{ name: string; state: string }>).find((j) => j.name === name);
    expect(after?.state).toBe('running');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to an --attach client of a batch job stops watching, not the job: exit %i, says how to stop it', async (signal, code) => {
    const name = newName('attach-stop');
    const marker = uniqueSleep();
    expectCode(await mtr(['--no-sync', '-d', '--name', name, 'sh', '-c', `echo started; ${marker}`]), 0);
    const running = watch(project().spawn(['--no-sync', '--attach', name], { timeoutMs: 60_000 }));
    await running.until('started\n');
    process.kill(running.child.pid!, signal);
    const client = await exitWithin(running, 5_000);
    expect({ code: client.code, stdout: client.stdout, stderr: client.stderr }).toEqual({
      code,
      stdout: 'started\n',
      stderr: `mtr: stopped watching job ${name}; it goes on. Stop it with \`mtr --kill ${name}\`\n`,
    });
    const listed = JSON.parse((await mtr(['--jobs', '--json'])).stdout) as Array<{ name: string; state: string }>;
    expect(listed.find((j) => j.name === name)?.state).toBe('running');
    expect(findProcesses({ args: marker })).toHaveLength(1);
    expectCode(await mtr(['--kill', name]), 0);
  });

  it.each([
    ['ignores SIGINT → SIGTERM', 143, "trap '' INT; echo ready; SLEEP"],
    ['ignores SIGINT, SIGTERM and SIGHUP → SIGKILL', 137, "trap '' INT TERM HUP; echo ready; SLEEP"],
  ])('--kill of a job that %s: processes gone, rc %i', async (_what, code, script) => {
    const name = newName('kill-escalate');
    const marker = uniqueSleep();
    const started = await mtr(['--no-sync', '-d', '--name', name, 'sh', '-c', script.replace('SLEEP', marker)]);
    expectCode(started, 0);
    const pgid = Number(await eventually('the pid file', () => readJobFile(name, 'pid')));
    await eventually(`${marker} to run`, () => findProcesses({ args: marker }).length === 1);

    const killed = await mtr(['--kill', name]);
    expectCode(killed, 0);
    // It says which signal it took, and the code the job recorded.
    expect(killed.stderr).toBe(`mtr: job ${name} stopped (SIG${code === 143 ? 'TERM' : 'KILL'}, exit ${code})\n`);
    expect(findProcesses({ args: marker, pgid })).toEqual([]);
    expect(tmuxHasSession(sshd, name)).toBe(false);
    expect(readJobFile(name, 'rc')?.trim()).toBe(String(code));
  }, 40_000);

  // Were kill_grace ignored, the 5 s default would let the handler finish and record 0.
  it('--kill honours kill_grace: an INT handler that takes longer than it is cut short by SIGTERM (rc 143)', async () => {
    const name = newName('kill-grace');
    const marker = uniqueSleep();
    const script = `trap 'sleep ${KILL_GRACE * 8}; exit 0' INT; ${marker}`;
    expectCode(await mtr(['--no-sync', '-d', '--name', name, 'sh', '-c', script]), 0);
    await eventually(`${marker} to run`, () => findProcesses({ args: marker }).length === 1);

    expectCode(await mtr(['--kill', name]), 0);
    expect(readJobFile(name, 'rc')?.trim()).toBe('143');
  });
});
