// Slurm clusters end to end: the built mtr logs in over the suite's sshd (the "login node") and runs
// through a real single-host Slurm (test/support/slurm.ts): batch runs through srun (streams, exit
// codes, signals, Ctrl+C cancelling the job), fake GPUs, two nodes, the snapshot, the refusals; as
// the suite's account and, for a batch run and the -d job commands, as an ordinary (password) user.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeProject, type Project, type RunResult } from '../support/mtr.js';
import { mtrCommand, withTerminal, type TerminalOptions } from '../support/local-tmux.js';
import { clusterServer, describeSlurm, slurmCommand, slurmJob } from '../support/slurm.js';
import { eventually, sleep } from '../support/eventually.js';
import { call, connectMcp, failed, ok } from '../support/mcp-client.js';
import { startSshdWithout, stopSshdWithout } from '../support/sshd-without.js';
import os from 'node:os';

const summary = (result: RunResult) => ({ code: result.code, stdout: result.stdout, stderr: result.stderr });
const newName = (what: string) => `e2e-slurm-${what}-${randomBytes(3).toString('hex')}`;

describeSlurm('mtr on a Slurm cluster', ({ sshd, rig }) => {
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd, servers: { cluster: clusterServer(rig()) } }));

  describe.concurrent('batch run through srun', () => {
    it('keeps stdout and stderr apart and returns the exact exit code', async () => {
      const result = await project().run(['--no-sync', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toBe('out\n');
      // srun adds its one line about the failed task, as it does under plain ssh.
      expect(result.stderr.split('\n')).toContain('err');
    });

    it('runs on a compute node inside a Slurm job, 0 on success', async () => {
      const result = await project().run(['--no-sync', 'sh', '-c', 'echo "$SLURMD_NODENAME $SLURM_JOB_ID"']);
      expect(summary(result)).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^n[12] \d+\n$/);
    });

    it('piped stdin reaches the task', async () => {
      const result = await project().run(['--no-sync', 'sh', '-c', 'tr a-z A-Z'], { input: 'hello\nworld\n' });
      expect(summary(result)).toEqual({ code: 0, stdout: 'HELLO\nWORLD\n', stderr: '' });
    });

    it('a task killed by a signal gives 128+n', async () => {
      const result = await project().run(['--no-sync', 'sh', '-c', 'kill -KILL $$']);
      expect(result.code, result.stderr).toBe(137);
    });

    it('--gpus sets CUDA_VISIBLE_DEVICES (fake GPUs)', async () => {
      const result = await project().run(['--no-sync', '--gpus', '2', 'sh', '-c', 'echo "gpus=$CUDA_VISIBLE_DEVICES"']);
      expect(summary(result)).toEqual({ code: 0, stdout: 'gpus=0,1\n', stderr: '' });
    });

    it('--nodes 2 runs one task per node with the torchrun variables', async () => {
      const line = 'echo "$SLURMD_NODENAME rank=$NODE_RANK nnodes=$NNODES master=$MASTER_ADDR:$MASTER_PORT"';
      const result = await project().run(['--no-sync', '--nodes', '2', 'sh', '-c', line]);
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trim().split('\n').sort();
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^n1 rank=0 nnodes=2 master=n1:\d+$/);
      expect(lines[1]).toMatch(/^n2 rank=1 nnodes=2 master=n1:\d+$/);
    });

    it('exports MTR_REMOTE_DIR and runs in the snapshot of remote_dir', async () => {
      const p = makeProject({ sshd, servers: { cluster: clusterServer(rig()) }, files: { 'code.txt': 'v1\n' } });
      const name = newName('snap');
      const result = await p.run(['--name', name, 'sh', '-c', 'pwd; echo "$MTR_REMOTE_DIR"; cat code.txt']);
      expect(result.code, result.stderr).toBe(0);
      const [cwd, live, code] = result.stdout.trim().split('\n');
      expect(live).toBe(p.remoteDir);
      expect(cwd).toBe(path.join(p.remoteDir, '.mtr', 'snapshots', name));
      expect(code).toBe('v1');
    });

    it('Ctrl+C (SIGINT) cancels the Slurm job and exits 130', async () => {
      const name = newName('int');
      const running = project().spawn(['--no-sync', '--name', name, 'sh', '-c', 'echo started; sleep 300']);
      let out = '';
      running.child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await eventually('the job to start', () => out.includes('started'), 20_000);
      expect(slurmJob(rig(), name)?.state).toBe('RUNNING');
      running.child.kill('SIGINT');
      const result = await running.result;
      expect(result.code, result.stderr).toBe(130);
      const job = await eventually('the Slurm job to end', () => {
        const found = slurmJob(rig(), name);
        return found && !['RUNNING', 'COMPLETING'].includes(found.state) ? found : undefined;
      }, 20_000);
      expect(job.state).toBe('CANCELLED');
    });

    it('a client that vanishes leaves the step running; --attach comes back to it', async () => {
      const name = newName('drop');
      const running = project().spawn(['--no-sync', '--name', name, 'sh', '-c', 'echo before; sleep 3; echo after; exit 6']);
      let out = '';
      running.child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await eventually('the job to start', () => out.includes('before'), 20_000);
      process.kill(-running.child.pid!, 'SIGKILL');
      await running.result;
      expect(slurmJob(rig(), name)?.state).toBe('RUNNING');
      const attached = await project().run(['--attach', name], { timeoutMs: 60_000 });
      expect(attached.code, attached.stderr).toBe(6);
      expect(attached.stdout).toContain('after\n');
    });

    it('SIGTERM cancels the Slurm job and exits 143', async () => {
      const name = newName('term');
      const running = project().spawn(['--no-sync', '--name', name, 'sh', '-c', 'echo started; sleep 300']);
      let out = '';
      running.child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await eventually('the job to start', () => out.includes('started'), 20_000);
      running.child.kill('SIGTERM');
      const result = await running.result;
      expect(result.code, result.stderr).toBe(143);
      const job = await eventually('the Slurm job to end', () => {
        const found = slurmJob(rig(), name);
        return found && !['RUNNING', 'COMPLETING'].includes(found.state) ? found : undefined;
      }, 20_000);
      expect(job.state).toBe('CANCELLED');
    });

    it('a request the cluster cannot meet fails with srun\'s reason', async () => {
      const result = await project().run(['--no-sync', '--partition', 'nosuch', 'true']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/srun: error: .*partition/i);
    });
  });

  describe.concurrent('-d: sbatch, and the job commands', () => {
    interface Listed { name: string; state: string; exitCode: number | null; slurm: { jobId: number; state: string; nodes: string | null } | null }
    const listed = async (p: Project, name: string): Promise<Listed | undefined> => {
      const result = await p.run(['--jobs', '--json']);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as Listed[]).find((job) => job.name === name);
    };
    const untilSlurmState = (p: Project, name: string, states: string[], timeoutMs = 30_000) =>
      (async () => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const job = await listed(p, name);
          if (job?.slurm && states.includes(job.slurm.state)) return job;
          if (Date.now() > deadline) throw new Error(`job ${name} never reached ${states.join('/')}: ${JSON.stringify(job)}`);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      })();

    it('submits with sbatch; --wait, --logs and --jobs show the job, its code and its Slurm state', async () => {
      const p = project();
      const name = newName('d');
      const started = await p.run(['--no-sync', '-d', '--name', name, 'sh', '-c', 'echo hello; echo oops >&2; exit 4']);
      expect(summary(started)).toEqual({ code: 0, stdout: `${name}\n`, stderr: '' });
      const waited = await p.run(['--wait', name], { timeoutMs: 60_000 });
      expect(waited.code, waited.stderr).toBe(4);
      const logs = await p.run(['--logs', name]);
      expect(summary(logs)).toEqual({ code: 0, stdout: 'hello\n', stderr: 'oops\n' });
      const job = await listed(p, name);
      expect(job).toMatchObject({ state: 'exited', exitCode: 4, slurm: { state: 'FAILED', nodes: expect.stringMatching(/^n[12]$/) } });
      expect(slurmJob(rig(), name)).toMatchObject({ id: job!.slurm!.jobId, state: 'FAILED' });
      const table = await p.run(['--jobs']);
      expect(table.stdout).toMatch(new RegExp(`${name}\\s+exited 4\\s+${job!.slurm!.jobId} FAILED n[12]`));
    });

    it('-d --nodes 2: one task per node, both outputs in the job\'s logs', async () => {
      const p = project();
      const name = newName('d2');
      await p.run(['--no-sync', '-d', '--nodes', '2', '--name', name, 'sh', '-c', 'echo "$SLURMD_NODENAME rank=$NODE_RANK nnodes=$NNODES master=$MASTER_ADDR"']);
      const waited = await p.run(['--wait', name], { timeoutMs: 60_000 });
      expect(waited.code, waited.stderr).toBe(0);
      const logs = await p.run(['--logs', name]);
      expect(logs.stdout.trim().split('\n').sort()).toEqual(['n1 rank=0 nnodes=2 master=n1', 'n2 rank=1 nnodes=2 master=n1']);
      expect((await listed(p, name))?.slurm).toMatchObject({ state: 'COMPLETED', nodes: 'n[1-2]' });
    });

    it('--logs --follow streams until the job ends; --wait --for matches its output', async () => {
      const p = project();
      const name = newName('follow');
      await p.run(['--no-sync', '-d', '--name', name, 'sh', '-c', 'echo one; sleep 2; echo ready; sleep 1; echo three']);
      const matched = await p.run(['--wait', name, '--for', '^ready$'], { timeoutMs: 60_000 });
      expect(matched.code, matched.stderr).toBe(0);
      const followed = await p.run(['--logs', name, '--follow'], { timeoutMs: 60_000 });
      expect(summary(followed)).toEqual({ code: 0, stdout: 'one\nready\nthree\n', stderr: '' });
    });

    it('--kill cancels the Slurm job (scancel): CANCELLED, exit 242', async () => {
      const p = project();
      const name = newName('kill');
      const started = await p.run(['--no-sync', '-d', '--json', '--name', name, 'sleep', '300']);
      expect(started.code, started.stderr).toBe(0);
      const record = JSON.parse(started.stdout) as { slurmJobId: number };
      expect(record).toEqual({ name, server: 'cluster', state: 'running', slurmJobId: expect.any(Number) });
      const running = await untilSlurmState(p, name, ['RUNNING']);
      expect(running.slurm!.jobId).toBe(record.slurmJobId);
      const killed = await p.run(['--kill', name], { timeoutMs: 60_000 });
      expect(killed.code, killed.stderr).toBe(0);
      const waited = await p.run(['--wait', name], { timeoutMs: 60_000 });
      expect(waited.code).toBe(242);
      expect(slurmJob(rig(), name)).toMatchObject({ id: running.slurm!.jobId, state: 'CANCELLED' });
      expect(await listed(p, name)).toMatchObject({ exitCode: 242, slurm: { state: 'CANCELLED' } });
    });

    it('-d that sbatch refuses fails the run with sbatch\'s reason', async () => {
      const result = await project().run(['--no-sync', '-d', '--partition', 'nosuch', '--name', newName('refused'), 'true']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/ended before Slurm took it .*partition/i);
    });

    it('MCP tools: run, start, jobs, output, wait, kill through sbatch; tty is refused as isError', async () => {
      const p = project();
      const mcp = await connectMcp(p, ['-s', 'cluster']);
      try {
        const ran = ok(await call(mcp, 'run', { command: 'echo out; echo err >&2; exit 3', sync: false, timeoutSeconds: 60 }, { timeoutMs: 90_000 }));
        expect(ran).toMatchObject({ server: 'cluster', state: 'ended', exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false, slurmJobId: expect.any(Number) });
        const name = newName('mcp');
        const started = ok(await call(mcp, 'start', { command: 'echo begin; sleep 300', name, sync: false }));
        expect(started).toEqual({ name, server: 'cluster', state: 'running', slurmJobId: expect.any(Number) });
        const matched = ok(await call(mcp, 'wait', { name, pattern: '^begin$', timeoutSeconds: 60 }, { timeoutMs: 90_000 }));
        expect(matched).toMatchObject({ name, matched: true, line: 'begin', exitCode: null });
        expect(ok(await call(mcp, 'output', { name }))).toMatchObject({ name, stdout: 'begin\n', stderr: '', truncated: false });
        const deadline = Date.now() + 30_000;
        let listed: Listed | undefined;
        while (listed?.slurm?.state !== 'RUNNING' && Date.now() < deadline) {
          listed = (ok(await call(mcp, 'jobs', {})).jobs as Listed[]).find((job) => job.name === name);
          if (listed?.slurm?.state !== 'RUNNING') await sleep(300);
        }
        expect(listed).toMatchObject({ state: 'running', exitCode: null, slurm: { jobId: started.slurmJobId, state: 'RUNNING', nodes: expect.stringMatching(/^n[12]$/) } });
        for (const [tool, args] of [['send', { text: 'x' }], ['keys', { keys: ['C-c'] }]] as const) {
          const refused = failed(await call(mcp, tool, { name, ...args }));
          expect(refused).toMatch(new RegExp(`^mtr: job ${name} has no terminal to type into: a job on Slurm server cluster is a batch job \\(sbatch\\)\\n {2}fix: .*srun --pty`));
        }
        expect(ok(await call(mcp, 'screen', { name }))).toEqual({ name, text: 'begin\n' });
        const killed = ok(await call(mcp, 'kill', { name }, { timeoutMs: 90_000 }));
        expect(killed).toMatchObject({ name, state: 'stopped', exitCode: 242 });
        expect(ok(await call(mcp, 'wait', { name, timeoutSeconds: 60 }, { timeoutMs: 90_000 }))).toMatchObject({ name, state: 'ended', exitCode: 242 });
        expect(slurmJob(rig(), name)).toMatchObject({ id: started.slurmJobId, state: 'CANCELLED' });
        for (const tool of ['start', 'run']) {
          const refused = failed(await call(mcp, tool, { command: 'sh', tty: true, sync: false }));
          expect(refused).toMatch(/^mtr: -d --tty does not apply to Slurm server cluster: a batch job \(sbatch\) has no terminal\n {2}fix: /);
        }
        expect(mcp.errors).toEqual([]);
      } finally {
        await mcp.close();
      }
    }, 120_000);

    it('the job keeps the code it was submitted with while later syncs change remote_dir', async () => {
      const gate = path.join(rig().dir, `gate-${randomBytes(3).toString('hex')}`);
      const p = makeProject({ sshd, servers: { cluster: clusterServer(rig()) }, files: { 'code.txt': 'v1\n' } });
      const name = newName('snapd');
      const started = await p.run(['-d', '--name', name, 'sh', '-c', `while [ ! -f ${gate} ]; do sleep 0.2; done; cat code.txt; cat "$MTR_REMOTE_DIR/code.txt"`]);
      expect(started.code, started.stderr).toBe(0);
      await untilSlurmState(p, name, ['RUNNING']);
      fs.writeFileSync(path.join(p.root, 'code.txt'), 'v2\n');
      const synced = await p.run(['true']);
      expect(synced.code, synced.stderr).toBe(0);
      expect(fs.readFileSync(path.join(p.remoteDir, 'code.txt'), 'utf8')).toBe('v2\n');
      fs.writeFileSync(gate, '');
      const waited = await p.run(['--wait', name], { timeoutMs: 60_000 });
      expect(waited.code, waited.stderr).toBe(0);
      expect((await p.run(['--logs', name])).stdout).toBe('v1\nv2\n');
    });

    it('a job past its time limit: TIMEOUT, exit 240 (batch and -d)', async () => {
      const p = project();
      const name = newName('time');
      const detached = await p.run(['--no-sync', '-d', '--time', '1', '--name', name, 'sleep', '600']);
      expect(detached.code, detached.stderr).toBe(0);
      const batch = await p.run(['--no-sync', '--time', '1', '--json', 'sleep', '600'], { timeoutMs: 150_000 });
      expect(batch.code, batch.stderr).toBe(240);
      expect(JSON.parse(batch.stdout)).toMatchObject({ state: 'TIMEOUT', exitCode: 240 });
      const waited = await p.run(['--wait', name], { timeoutMs: 150_000 });
      expect(waited.code).toBe(240);
      expect(await listed(p, name)).toMatchObject({ exitCode: 240, slurm: { state: 'TIMEOUT' } });
    }, 180_000);
  });

  // The issue's login: an ordinary user (the suite's password user) rather than the suite's account.
  const passwordTitle = `as an ordinary user${sshd.password ? ` (${sshd.password.user})` : ` [skipped: ${sshd.passwordReason ?? 'no password user'}]`}`;
  describe.skipIf(!sshd.password && !process.env.CI).concurrent(passwordTitle, () => {
    beforeAll(() => {
      if (!sshd.password) throw new Error(`the Slurm tests as an ordinary user need the password user: ${sshd.passwordReason ?? 'no password user'}`);
    });
    let own: Project | undefined;
    const userProject = (): Project => {
      const { user, password } = sshd.password!;
      return (own ??= makeProject({ sshd, servers: { cluster: clusterServer(rig(), {}, { user, password, key_filename: undefined }) } }));
    };
    const homeOf = (user: string): string => {
      const entry = spawnSync('getent', ['passwd', user], { encoding: 'utf8' }).stdout.trim();
      return entry.split(':')[5] ?? '';
    };
    interface Listed { name: string; state: string; exitCode: number | null; slurm: { jobId: number; state: string; nodes: string | null } | null }
    const untilSlurmState = async (p: Project, name: string, states: string[], timeoutMs = 30_000): Promise<Listed> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await p.run(['--jobs', '--json']);
        expect(result.code, result.stderr).toBe(0);
        const job = (JSON.parse(result.stdout) as Listed[]).find((found) => found.name === name);
        if (job?.slurm && states.includes(job.slurm.state)) return job;
        if (Date.now() > deadline) throw new Error(`job ${name} never reached ${states.join('/')}: ${JSON.stringify(job)}`);
        await sleep(300);
      }
    };

    it('a batch run through srun runs as that user: stdout and stderr apart, the exact exit code', async () => {
      const result = await userProject().run(['--no-sync', 'sh', '-c', 'echo "out $(id -un)"; echo err >&2; exit 3']);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toBe(`out ${sshd.password!.user}\n`);
      expect(result.stderr.split('\n')).toContain('err');
      expect(result.stdout).not.toContain('err');
    });

    it('-d: sbatch as that user; --jobs --json shows the Slurm job, --wait its code, records in its home', async () => {
      const p = userProject();
      const name = newName('user-d');
      const started = await p.run(['--no-sync', '-d', '--json', '--name', name, 'sh', '-c', 'sleep 1; echo done; exit 5']);
      expect(started.code, started.stderr).toBe(0);
      const record = JSON.parse(started.stdout) as { slurmJobId: number };
      expect(record).toEqual({ name, server: 'cluster', state: 'running', slurmJobId: expect.any(Number) });
      const listed = await untilSlurmState(p, name, ['PENDING', 'RUNNING', 'COMPLETING', 'FAILED']);
      expect(listed.slurm!.jobId).toBe(record.slurmJobId);
      const waited = await p.run(['--wait', name], { timeoutMs: 60_000 });
      expect(waited.code, waited.stderr).toBe(5);
      expect(await untilSlurmState(p, name, ['FAILED'])).toMatchObject({ state: 'exited', exitCode: 5, slurm: { jobId: record.slurmJobId, nodes: expect.stringMatching(/^n[12]$/) } });
      expect(slurmCommand(rig(), 'squeue', ['-h', '-t', 'all', '-j', String(record.slurmJobId), '-o', '%u'])).toBe(sshd.password!.user);
      expect(fs.existsSync(path.join(homeOf(sshd.password!.user), '.mtr', 'jobs', name))).toBe(true);
      expect(fs.existsSync(path.join(os.userInfo().homedir, '.mtr', 'jobs', name))).toBe(false);
    });

    it('--kill cancels that user\'s Slurm job: CANCELLED, exit 242', async () => {
      const p = userProject();
      const name = newName('user-kill');
      const started = await p.run(['--no-sync', '-d', '--json', '--name', name, 'sleep', '300']);
      expect(started.code, started.stderr).toBe(0);
      const record = JSON.parse(started.stdout) as { slurmJobId: number };
      await untilSlurmState(p, name, ['RUNNING']);
      const killed = await p.run(['--kill', name], { timeoutMs: 60_000 });
      expect(killed.code, killed.stderr).toBe(0);
      const waited = await p.run(['--wait', name], { timeoutMs: 60_000 });
      expect(waited.code).toBe(242);
      expect(slurmJob(rig(), name)).toMatchObject({ id: record.slurmJobId, state: 'CANCELLED' });
    });
  });

  // Runs at a local terminal (a private tmux) after the concurrent blocks: the queued test fills the cluster.
  describe('at a terminal: srun --pty', () => {
    const terminalFor = (args: string[], p: Project = project()): TerminalOptions => ({
      cwd: p.root,
      env: cleanEnv({ ...p.env, TERM: 'xterm-256color' }),
      command: mtrCommand(['--no-sync', ...args]),
      cols: 100,
      rows: 30,
    });

    it('an interactive shell on a compute node: a real terminal, its size, the exit code', async () => {
      await withTerminal(terminalFor(['sh']), async (t) => {
        await t.waitFor(/[#$] $/m, 30_000);
        await t.type('echo "node=$SLURMD_NODENAME size=$(stty size)"; [ -t 0 ] && echo is-a-tty');
        await t.sendKeys('Enter');
        await t.waitFor(/^node=n[12] size=30 100$/m);
        await t.waitFor(/^is-a-tty$/m);
        await t.type('exit 7');
        await t.sendKeys('Enter');
        expect(await t.waitForExit(30_000)).toBe(7);
      });
    }, 60_000);

    it('Ctrl+C reaches the task: 130', async () => {
      await withTerminal(terminalFor(['sh', '-c', 'echo ready; sleep 300']), async (t) => {
        await t.waitFor(/^ready$/m, 30_000);
        await t.sendKeys('C-c');
        expect(await t.waitForExit(30_000)).toBe(130);
      });
    }, 60_000);

    it('while the job waits: "queued: job N (Reason)", gone once it runs', async () => {
      const p = project();
      const blocker = newName('block');
      await p.run(['--no-sync', '-d', '--name', blocker, '--nodes', '2', '--gpus', '4', 'sleep', '300']);
      await eventually('the blocker to run', () => slurmJob(rig(), blocker)?.state === 'RUNNING', 30_000);
      await withTerminal(terminalFor(['--gpus', '2', 'sh', '-c', 'echo "ran with gpus $CUDA_VISIBLE_DEVICES"']), async (t) => {
        const screen = await t.waitFor(/mtr: queued: job \d+ \((Resources|Priority)\)/, 30_000);
        expect(screen).not.toMatch(/ran on/);
        const killed = await p.run(['--kill', blocker], { timeoutMs: 60_000 });
        expect(killed.code, killed.stderr).toBe(0);
        await t.waitFor(/^ran with gpus 0,1/m, 60_000);
        expect(await t.waitForExit(30_000)).toBe(0);
        expect(await t.capture()).not.toMatch(/queued: job/);
      });
    }, 120_000);
  });

  describe('--doctor', () => {
    it('checks the Slurm commands and the partition', async () => {
      const good = makeProject({ sshd, servers: { cluster: clusterServer(rig(), { partition: rig().partition }) } });
      const ok = await good.run(['--doctor']);
      expect(ok.stdout).toMatch(new RegExp(`✓ slurm\\s+srun and sbatch found; partition ${rig().partition} exists`));
      const bad = makeProject({ sshd, servers: { cluster: clusterServer(rig(), { partition: 'nosuch' }) } });
      const failed = await bad.run(['--doctor']);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/✗ slurm\s+partition nosuch is not known to the cluster/);
    });
  });

  describe('a login node without tmux', () => {
    it('runs srun directly with the same code, and writes nothing into the home', async () => {
      const server = await startSshdWithout(sshd, ['tmux']);
      try {
        const p = makeProject({ sshd: { ...sshd, port: server.port, knownHostsLine: server.knownHostsLine }, servers: { cluster: clusterServer(rig()) } });
        const result = await p.run(['--no-sync', 'sh', '-c', 'echo "on $SLURMD_NODENAME"; exit 5']);
        expect(result.code, result.stderr).toBe(5);
        expect(result.stdout).toMatch(/^on n[12]\n$/);
        expect(result.stderr).toMatch(/tmux not found on cluster/);
        for (const file of ['slurm', 'snapshot']) expect(fs.existsSync(path.join(os.userInfo().homedir, file))).toBe(false);
      } finally {
        await stopSshdWithout(server);
        fs.rmSync(server.dir, { recursive: true, force: true });
      }
    });
  });

  describe('refusals', () => {
    it('Slurm flags on a plain server: exit 2 with a fix', async () => {
      const p = makeProject({ sshd });
      const result = await p.run(['--no-sync', '--gpus', '1', 'true']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--gpus applies to Slurm clusters; server test has no `slurm:` block/);
    });

    it('--session on a cluster server: exit 2', async () => {
      const result = await project().run(['--no-sync', '--session', 'x', 'true']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--session does not apply to Slurm server cluster/);
    });

    it('a login node without srun: exit 2 naming it', async () => {
      const p = makeProject({ sshd, servers: { cluster: clusterServer(rig(), {}, { pre_cmd: 'PATH=/nonexistent; export PATH' }) } });
      fs.mkdirSync(p.remoteDir, { recursive: true });
      const result = await p.run(['--no-sync', 'true']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/mtr: srun not found on the login node of cluster/);
    });
  });
});
