// Job history per project: `--jobs` lists this project's jobs (`--all-projects` every one's), each
// record names its project and has millisecond times by the server's clock, and pruning keeps per
// project what the README promises (JOB_HISTORY: the newest 200 finished, and any that ended in the
// last 7 days). The "remote" is this machine, so old records are written straight into the rig
// user's ~/.mtr/jobs instead of running hundreds of jobs. (Every run passes --no-sync.)
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_HISTORY } from '../../src/remote/job-history.js';
import { eventually } from '../support/eventually.js';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { processTable } from '../support/processes.js';
import { JOBS_DIR, describeE2E } from '../support/sshd.js';

const DAY = 86_400;

interface ListedJob {
  name: string;
  state: string;
  exitCode: number | null;
  project: string | null;
  cwd: string | null;
  started: string | null;
  ended: string | null;
  durationSeconds: number | null;
}

const summary = (result: RunResult) => ({ code: result.code, stdout: result.stdout, stderr: result.stderr });

async function listed(p: Project, ...flags: string[]): Promise<ListedJob[]> {
  const result = await p.run(['--no-sync', '--jobs', '--json', ...flags]);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as ListedJob[];
}

describeE2E('job history per project', (sshd) => {
  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-hist-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };
  const fakes: string[] = [];
  afterAll(() => {
    for (const name of [...names, ...fakes]) fs.rmSync(path.join(JOBS_DIR, name), { recursive: true, force: true });
  });

  describe('two projects on one account', () => {
    let a: Project;
    let b: Project;
    beforeAll(() => {
      a = makeProject({ sshd, createRemoteDir: true });
      b = makeProject({ sshd, createRemoteDir: true });
    });
    const aJobs = [newName('a1'), newName('a2'), newName('a3')];
    const bJob = newName('b1');

    it('--jobs lists only this project\'s jobs; --all-projects lists both; --json names the project', async () => {
      for (const name of aJobs) expect(summary(await a.run(['--no-sync', '--name', name, 'true']))).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(summary(await b.run(['--no-sync', '--name', bJob, 'sh', '-c', 'exit 3']))).toEqual({ code: 3, stdout: '', stderr: '' });

      const ofA = await listed(a);
      expect(ofA.map((job) => job.name).sort()).toEqual([...aJobs].sort());
      expect(ofA.every((job) => job.project === a.remoteDir && job.cwd === a.remoteDir)).toBe(true);
      const ofB = await listed(b);
      expect(ofB.map((job) => [job.name, job.project, job.exitCode])).toEqual([[bJob, b.remoteDir, 3]]);

      const table = await a.run(['--no-sync', '--jobs']);
      expect(table.code).toBe(0);
      for (const name of aJobs) expect(table.stdout).toMatch(new RegExp(`^${name}\\s+exited 0\\s`, 'm'));
      expect(table.stdout).not.toContain(bJob);

      const everything = (await listed(a, '--all-projects')).map((job) => job.name);
      expect(everything).toEqual(expect.arrayContaining([...aJobs, bJob]));

      // Another project's job is still reachable by name.
      expect(summary(await a.run(['--no-sync', '--wait', bJob]))).toEqual({ code: 3, stdout: '', stderr: '' });
    });

    it('times are the server\'s, to the millisecond, and a job never ends before it started', async () => {
      const jobs = (await listed(a)).filter((job) => aJobs.includes(job.name));
      expect(jobs).toHaveLength(aJobs.length);
      for (const job of jobs) {
        expect(job.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(job.ended).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(Date.parse(job.ended!), `${job.name}: ${job.started} → ${job.ended}`).toBeGreaterThanOrEqual(Date.parse(job.started!));
        expect(job.durationSeconds).toBeCloseTo((Date.parse(job.ended!) - Date.parse(job.started!)) / 1000, 3);
      }
      // Whole seconds would end every time in .000 (odds of that by chance: 1 in 10^9).
      expect(jobs.some((job) => !job.ended!.endsWith('.000Z'))).toBe(true);
    });

    it('--all-projects only goes with --jobs', async () => {
      const result = await a.run(['--no-sync', '--all-projects', 'true']);
      expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
      expect(result.stderr).toMatch(/--all-projects only applies to --jobs/);
    });
  });

  describe('pruning', () => {
    const { keep, days } = JOB_HISTORY;
    const now = Date.now() / 1000;

    // `count` finished records of the project at `remoteDir` (undefined: none), ended `ageDays` days ago and a second apart, newest
    // first. Returns their names, newest first.
    function addRecords(tag: string, remoteDir: string | undefined, count: number, ageDays: number): string[] {
      const made = Array.from({ length: count }, (_, i) => `${tag}-${String(i).padStart(3, '0')}`);
      // Each record is made whole beside the jobs folder and renamed in: a prune that another file's
      // job start runs meanwhile never sees one with its rc's time not yet set.
      fs.mkdirSync(JOBS_DIR, { recursive: true, mode: 0o700 });
      const staging = fs.mkdtempSync(path.join(path.dirname(JOBS_DIR), '.e2e-records-'));
      made.forEach((name, i) => {
        const dir = path.join(staging, name);
        fakes.push(name);
        fs.mkdirSync(dir, { mode: 0o700 });
        fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ name, argv: ['true'], server: 'test', cwd: remoteDir ?? '~/nowhere', mode: 'batch' }));
        if (remoteDir !== undefined) fs.writeFileSync(path.join(dir, 'project'), `${remoteDir}\n`);
        fs.writeFileSync(path.join(dir, 'rc'), '0\n');
        const when = now - ageDays * DAY - i;
        fs.utimesSync(path.join(dir, 'rc'), when, when);
        fs.renameSync(dir, path.join(JOBS_DIR, name));
      });
      fs.rmdirSync(staging);
      return made;
    }
    const present = (list: string[]) => list.filter((name) => fs.existsSync(path.join(JOBS_DIR, name)));

    it(`keeps per project the newest ${keep} finished, and anything that ended in the last ${days} days; running jobs and other projects stay`, async () => {
      const busy = makeProject({ sshd, createRemoteDir: true });
      const quiet = makeProject({ sshd, createRemoteDir: true });
      const small = makeProject({ sshd, createRemoteDir: true });
      const tag = `e2e-fake-${randomBytes(3).toString('hex')}`;
      // busy: more recent records than `keep` (all stay) and older ones past it (all go).
      const recent = addRecords(`${tag}-recent`, busy.remoteDir, keep + 30, 1);
      const stale = addRecords(`${tag}-stale`, busy.remoteDir, 20, days + 3);
      // quiet: only old records, more than `keep`: the newest `keep` stay.
      const old = addRecords(`${tag}-old`, quiet.remoteDir, keep + 5, days + 3);
      // small: a few very old ones, and a leftover named with a leading "-" (an older mtr's): untouched.
      const few = addRecords(`${tag}-few`, small.remoteDir, 5, 100);
      const dashed = addRecords(`-${tag}-dash`, small.remoteDir, 1, 100);

      // The mark of the last prune belongs to whichever test ran one last: start from none.
      fs.rmSync(path.join(JOBS_DIR, 'kept.count'), { force: true });
      const sleeper = `sleep 3600.${randomInt(100_000, 999_999)}`;
      const trigger = newName('trigger');
      expect(summary(await busy.run(['--no-sync', '-d', '--name', trigger, 'sh', '-c', sleeper]))).toEqual({ code: 0, stdout: `${trigger}\n`, stderr: '' });
      try {
        await eventually(
          () => `pruning (left: ${present(stale).length} of the stale, ${present(old).length} of the old)`,
          () => present(stale).length === 0 && present(old).length === keep,
          20_000,
        );
        expect(present(recent)).toEqual(recent);
        expect(present(old)).toEqual(old.slice(0, keep));
        expect(present([...few, ...dashed])).toEqual([...few, ...dashed]);
        expect(fs.existsSync(path.join(JOBS_DIR, trigger, 'meta.json'))).toBe(true);
        const listedBusy = await listed(busy);
        expect(listedBusy.filter((job) => job.state === 'running').map((job) => job.name)).toEqual([trigger]);
        expect(listedBusy).toHaveLength(recent.length + 1);
      } finally {
        await busy.run(['--no-sync', '--kill', trigger]);
      }
      expect(processTable().map((p) => p.args)).not.toContain(sleeper);
    }, 60_000);
  });
});
