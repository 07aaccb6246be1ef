import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { planRun } from '../../../src/plan/run-plan.js';
import { planSlurmRequest } from '../../../src/plan/slurm-plan.js';
import { planWatch } from '../../../src/plan/watch-plan.js';
import { buildRequestArgs, buildSbatchArgs, buildSrunArgs } from '../../../src/remote/slurm-args.js';
import { SLURM_EXIT, slurmStateExit } from '../../../src/remote/slurm-script.js';
import { atTerminal, config, globals, inputs, runOptions, server } from './fixtures.js';

const cluster = server('cluster', { slurm: { partition: 'gpu', gpus: '1', time: '2:00:00', extra: ['--constraint=h100'] } });
const plain = server('plain');

describe('planSlurmRequest', () => {
  it.each([
    ['the config alone', {}, { partition: 'gpu', gpus: '1', time: '2:00:00', extra: ['--constraint=h100'] }],
    ['flags win', { partition: 'debug', gpus: 'a100:2', nodes: 2, time: '30' }, { partition: 'debug', gpus: 'a100:2', nodes: 2, time: '30', extra: ['--constraint=h100'] }],
  ])('%s', (_name, overrides, expected) => {
    expect(planSlurmRequest(cluster, overrides)).toEqual(expected);
  });

  it('a plain server: no request, and Slurm flags are refused', () => {
    expect(planSlurmRequest(plain, undefined)).toBeUndefined();
    expect(() => planSlurmRequest(plain, { gpus: '1' })).toThrow(UsageError);
    expect(() => planSlurmRequest(plain, { gpus: '1' })).toThrow('--gpus applies to Slurm clusters; server plain has no `slurm:` block');
  });
});

describe('srun/sbatch argv', () => {
  const _ = (request: Parameters<typeof buildRequestArgs>[0], expected: string[]) => [request, expected] as const;
  it.each([
    _({ extra: [] }, []),
    _({ partition: 'gpu', extra: [] }, ['--partition=gpu']),
    _({ nodes: 2, extra: [] }, ['--nodes=2', '--ntasks-per-node=1']),
    _(
      { partition: 'p', gpus: '2', cpusPerTask: 8, mem: '32G', time: '1:00:00', account: 'a1', qos: 'normal', extra: ['--constraint=h100', '--exclusive'] },
      ['--partition=p', '--gpus=2', '--cpus-per-task=8', '--mem=32G', '--time=1:00:00', '--account=a1', '--qos=normal', '--constraint=h100', '--exclusive'],
    ),
  ])('%j → %j', (request, expected) => {
    expect(buildRequestArgs(request)).toEqual(expected);
  });

  it('srun: quiet, one Ctrl+C ends the step, named after the job; --pty at a terminal', () => {
    expect(buildSrunArgs({ gpus: '1', extra: [] }, { jobName: 'j1', pty: false })).toEqual(['srun', '--quiet', '--quit-on-interrupt', '--job-name=j1', '--gpus=1']);
    expect(buildSrunArgs({ extra: [] }, { jobName: 'j1', pty: true })).toEqual(['srun', '--quiet', '--quit-on-interrupt', '--job-name=j1', '--pty']);
  });

  it('sbatch: the id on stdout, output to the given files', () => {
    expect(buildSbatchArgs({ time: '5', extra: [] }, { jobName: 'j1', output: 'o', error: 'e' })).toEqual(['sbatch', '--parsable', '--job-name=j1', '--output=o', '--error=e', '--time=5']);
  });
});

describe('exit codes of jobs Slurm ended', () => {
  it.each([
    ['TIMEOUT', 240],
    ['OUT_OF_MEMORY', 241],
    ['CANCELLED', 242],
    ['CANCELLED by 0', 242],
    ['NODE_FAIL', 243],
    ['PREEMPTED', 244],
    ['BOOT_FAIL', 245],
    ['DEADLINE', 245],
    ['COMPLETED', undefined],
    ['FAILED', undefined],
    ['RUNNING', undefined],
  ])('%s → %s', (state, code) => {
    expect(slurmStateExit(state)).toBe(code);
  });

  it('are distinct and above the shell\'s 128+n', () => {
    const codes = Object.values(SLURM_EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Math.min(...codes)).toBeGreaterThan(128 + 64);
  });
});

describe('planRun on a cluster server', () => {
  const one = config([cluster]);
  it.each([
    ['batch', {}, undefined, 'srun --quiet --quit-on-interrupt --job-name=job1 --partition=gpu'],
    ['at a terminal', {}, atTerminal, '--pty'],
    ['-d', { detach: true }, undefined, 'sbatch --parsable --job-name=job1'],
  ])('%s', (_name, flags, terminal, expected) => {
    const plan = planRun(runOptions({ name: 'job1', ...flags }), one, inputs(terminal ? { terminal } : {}));
    const script = plan.hosts[0]!.job.script;
    expect(script).toContain(expected);
    expect(script).toContain('"$MTR_REMOTE_DIR"/.mtr/snapshots/job1');
    // The dry run shows what runs.
    expect(plan.hosts[0]!.remoteCommand).toContain(expected.split(' ')[0]);
  });

  it('flags override the config for one run', () => {
    const plan = planRun(runOptions({ name: 'job1', slurm: { gpus: '4', nodes: 2 } }), one, inputs());
    expect(plan.hosts[0]!.job.script).toContain('--nodes=2 --ntasks-per-node=1 --gpus=4');
  });

  it.each([
    ['--session', { session: 's1' }, /--session does not apply to Slurm server cluster/],
    ['-d --tty', { detach: true, size: { cols: 100, rows: 30 } }, /-d --tty does not apply to Slurm server cluster/],
  ])('refuses %s with exit 2', (_name, flags, message) => {
    expect(() => planRun(runOptions({ name: 'job1', ...flags }), one, inputs())).toThrow(message);
  });

  it('refuses --watch CMD, not --watch alone', () => {
    const watch = (command: string[]) => planWatch({ ...globals, dryRun: false, deleteRemote: false, quiet: false, command }, one, inputs());
    expect(() => watch(['python', 'train.py'])).toThrow(/--watch CMD does not apply to Slurm server cluster/);
    expect(watch([]).action).toBe('watch');
  });
});
