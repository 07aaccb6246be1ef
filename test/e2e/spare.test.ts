// Spare channels: a run on a shared master leaves one channel opened ahead, its remote shell waiting
// for a line; the next run's first command takes it (one round trip instead of two) and behaves as
// through the master: same stdin, output, exit code and environment. A startup file edited since
// makes it stale: the command takes a new channel and runs once.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { processTable } from '../support/processes.js';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const mtrDir = (runtime: string) => path.join(runtime, 'mtr');
const spareLink = (runtime: string): string | undefined =>
  fs.existsSync(mtrDir(runtime)) ? fs.readdirSync(mtrDir(runtime)).filter((n) => n.endsWith('.spare')).map((n) => path.join(mtrDir(runtime), n))[0] : undefined;
const socketIn = (runtime: string): string | undefined =>
  fs.existsSync(mtrDir(runtime)) ? fs.readdirSync(mtrDir(runtime)).filter((n) => n.endsWith('.sock')).map((n) => path.join(mtrDir(runtime), n))[0] : undefined;
const masterAlive = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;
const processesIn = (dir: string): string[] =>
  (spawnSync('pgrep', ['-af', `${dir}/`], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);

// The spares' remote shells (sshd's loopback logins are this machine's processes), all waiting.
const spareShellsWaiting = (): boolean => {
  const rows = processTable();
  const shells = rows.filter((row) => row.args.startsWith('/bin/sh -c mtr_f='));
  return shells.length > 0 && shells.every((shell) => shell.state === 'S' && !rows.some((row) => row.ppid === shell.pid));
};

describeE2E('spare channels', (sshd) => {
  const ownDirs: string[] = [];
  afterAll(() => {
    for (const dir of ownDirs) spawnSync('pkill', ['-f', `${dir}/`], { stdio: 'ignore' });
  });

  // A master of the project's own (its own runtime folder), and a spare left by a warm run.
  async function withSpare(): Promise<{ project: Project; runtime: string }> {
    const runtime = fs.mkdtempSync(path.join(sshd.localRoot, 'rt-'));
    ownDirs.push(runtime);
    const project = makeProject({ sshd });
    project.env.XDG_RUNTIME_DIR = runtime;
    expect((await project.run(['--no-sync', 'true'])).code).toBe(0);
    await eventually('the shared master', () => socketIn(runtime) && masterAlive(socketIn(runtime)!));
    expect(spareLink(runtime)).toBeUndefined(); // a cold run leaves none: it had no master to hold one on
    const warm = await project.run(['--no-sync', '--log-file', 'leave.log', 'true']);
    expect(warm.code).toBe(0);
    expect(readLog(project, 'leave.log')).toContain('left a spare channel on the shared connection');
    await eventually('the spare', () => spareLink(runtime));
    return { project, runtime };
  }
  const readLog = (project: Project, name: string) => fs.readFileSync(path.join(project.root, name), 'utf8');
  const onSpare = (log: string) => log.includes('ssh request: exec on the spare channel of the shared connection');

  it('the next run takes it: stdin, stdout, stderr and the exit code as through the master, and it leaves another', async () => {
    const { project, runtime } = await withSpare();
    const run = await project.run(['--no-sync', '--log-file', 'take.log', 'sh', '-c', "cat; printf '%s|%b' 'a\\\\nb' 'c\\nd'; echo err >&2; exit 3"], { input: 'line one\nline two\n' });
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 3, stdout: 'line one\nline two\na\\\\nb|c\nd', stderr: 'err\n' });
    const log = readLog(project, 'take.log');
    expect(onSpare(log)).toBe(true);
    expect(log.match(/ ssh request: /g)).toHaveLength(1);
    await eventually('the next spare', () => spareLink(runtime));
  });

  it("the command's environment on a spare is the one through the master (no startup file read twice)", async () => {
    const { project } = await withSpare();
    const envLine = 'env | grep -v -e "^_=" -e "^OLDPWD=" | sort';
    const spare = await project.run(['--no-sync', '--log-file', 'a.log', envLine]);
    const plain = await project.run(['--no-sync', '--log-file', 'b.log', envLine], { env: { MTR_SPARE: '0' } });
    expect(onSpare(readLog(project, 'a.log'))).toBe(true);
    expect(onSpare(readLog(project, 'b.log'))).toBe(false);
    expect(spare.code).toBe(0);
    expect(spare.stdout).toContain('SHLVL=');
    expect(spare.stdout).toBe(plain.stdout);
  });

  it('a startup file edited after the spare started: the command takes a new channel and runs once', async () => {
    const { project } = await withSpare();
    // The link is there before the spare's remote shell took its fingerprint: wait for that shell
    // to wait for its line (asleep, its `cksum` done), as it does between two runs.
    await eventually('the spare waiting for its line', spareShellsWaiting);
    // ~/.zshenv: a startup file the fingerprint covers that this bash login never reads.
    const zshenv = path.join(os.userInfo().homedir, '.zshenv');
    const before = fs.existsSync(zshenv) ? fs.readFileSync(zshenv) : undefined;
    const counter = `${sshd.remoteRoot}/spare-count-${process.pid}-${Date.now()}`;
    try {
      fs.appendFileSync(zshenv, `# mtr spare test ${Date.now()}\n`);
      const run = await project.run(['--no-sync', '--log-file', 'stale.log', `echo ran >> ${counter}; echo done`]);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: 'done\n' });
      expect(onSpare(readLog(project, 'stale.log'))).toBe(false);
      expect(readLog(project, 'stale.log')).toContain('ssh request: exec through the shared connection');
      expect(fs.readFileSync(counter, 'utf8')).toBe('ran\n');
    } finally {
      if (before === undefined) fs.rmSync(zshenv, { force: true });
      else fs.writeFileSync(zshenv, before);
      fs.rmSync(counter, { force: true });
    }
  });

  it('MTR_SPARE=0 neither takes nor leaves one', async () => {
    const { project, runtime } = await withSpare();
    const link = spareLink(runtime)!;
    const run = await project.run(['--no-sync', '--log-file', 'off.log', 'true'], { env: { MTR_SPARE: '0' } });
    expect(run.code).toBe(0);
    const log = readLog(project, 'off.log');
    expect(onSpare(log)).toBe(false);
    expect(log).not.toContain('left a spare');
    expect(fs.existsSync(link)).toBe(true); // still there for a run that wants it
  });

  it('--disconnect ends the spare with its master: no holder, no folder left', async () => {
    const { project, runtime } = await withSpare();
    expect(processesIn(runtime).some((line) => line.includes('mtr-spare'))).toBe(true); // not vacuous
    expect((await project.run(['--disconnect'])).code).toBe(0);
    await eventually(() => `nothing left, found ${processesIn(runtime).join('; ')}`, () => processesIn(runtime).length === 0);
    await eventually('the spare folder gone', () => fs.readdirSync(mtrDir(runtime)).every((n) => !n.includes('.spare')));
  });

  it('a run killed while on a spare: the ssh of the spare it took ends with it', async () => {
    const { project, runtime } = await withSpare();
    const taken = fs.readlinkSync(spareLink(runtime)!);
    const { child, result } = project.spawn(['--no-sync', 'sleep 30']);
    // The run took that spare (its link renamed away) and, its first command out, left the next one.
    await eventually('the run on the spare, and the next spare', () => {
      const link = spareLink(runtime);
      return link !== undefined && fs.readlinkSync(link) !== taken;
    });
    expect(processesIn(runtime).some((line) => line.includes(taken))).toBe(true);
    child.kill('SIGKILL');
    await result;
    await eventually(() => `the holder ending, found ${processesIn(runtime).join('; ')}`, () => !processesIn(runtime).some((line) => line.includes(taken)));
  });
});
