// Slurm clusters end to end: the built mtr logs in over the suite's sshd (the "login node") and runs
// through a real single-host Slurm (test/support/slurm.ts): batch runs through srun (streams, exit
// codes, signals, Ctrl+C cancelling the job), fake GPUs, two nodes, the snapshot, the refusals.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { clusterServer, describeSlurm, slurmJob } from '../support/slurm.js';
import { eventually } from '../support/eventually.js';

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
