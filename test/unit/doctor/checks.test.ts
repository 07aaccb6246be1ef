import { describe, expect, it } from 'vitest';
import { buildDoctorProbe, doctorExitCode, formatDoctorReport, parseDoctorProbe, remoteChecks, type ProbeAnswers } from '../../../src/doctor/checks.js';

const answers = (over: Partial<ProbeAnswers> = {}): ProbeAnswers => ({
  shell: 'bash 5.2.15(1)-release',
  login: '/bin/bash',
  tmux: 'tmux 3.3a',
  rsync: 'rsync  version 3.2.7  protocol version 31',
  dir: 'ok',
  precmdOutput: [],
  ...over,
});
const facts = { remoteDir: '~/p', sync: 'auto' as const, localRsync: 'rsync 3.2.7' };
const byName = (a: ProbeAnswers, extra: object = {}) => Object.fromEntries(remoteChecks({ ...facts, answers: a, ...extra }).map((c) => [c.name, c]));

describe('parseDoctorProbe', () => {
  it('reads only its own marked lines, so pre_cmd noise cannot pass for an answer', () => {
    const out = 'welcome banner\nmtr-doctor:shell bash 5.2\nmtr-doctor:tmux -\nmtr-doctor:tmux tmux 3.3a fake\nmtr-doctor:precmd 127\nmtr-doctor:precmd-out bash: conda: command not found\n';
    expect(parseDoctorProbe(out)).toEqual({ shell: 'bash 5.2', tmux: 'tmux 3.3a fake', precmd: 127, precmdOutput: ['bash: conda: command not found'] });
  });
});

describe('buildDoctorProbe', () => {
  it('quotes remote_dir once and runs pre_cmd only when there is one', () => {
    expect(buildDoctorProbe("~/it's", undefined)).toContain(`mtr_d="$HOME"/'it'\\''s'`);
    expect(buildDoctorProbe('/p', undefined)).not.toContain('precmd');
    expect(buildDoctorProbe('/p', 'source env.sh')).toContain('{ source env.sh\n} </dev/null 2>&1');
  });
});

describe('remoteChecks', () => {
  it.each([
    [answers(), {}, { tmux: 'pass', rsync: 'pass', remote_dir: 'pass', pre_cmd: 'pass' }],
    [answers({ tmux: '-' }), {}, { tmux: 'fail' }],
    [answers({ rsync: '-' }), {}, { rsync: 'warn' }],
    [answers({ rsync: '-' }), { sync: 'rsync' }, { rsync: 'fail' }],
    [answers({ rsync: '-' }), { sync: 'sftp' }, { rsync: 'pass' }],
    [answers(), { localRsync: undefined }, { rsync: 'warn' }],
    [answers({ dir: 'creatable' }), {}, { remote_dir: 'pass' }],
    [answers({ dir: 'readonly' }), {}, { remote_dir: 'fail' }],
    [answers({ dir: 'blocked /srv' }), {}, { remote_dir: 'fail' }],
    [answers({ precmd: 0 }), { preCmd: 'true' }, { pre_cmd: 'pass' }],
    [answers({ precmd: 1 }), { preCmd: 'false' }, { pre_cmd: 'fail' }],
    [answers(), { preCmd: 'sleep 1' }, { pre_cmd: 'fail' }],
  ])('%j %j', (a, extra, expected) => {
    const checks = byName(a, extra);
    for (const [name, status] of Object.entries(expected)) expect(checks[name]?.status).toBe(status);
  });

  it('names both rsyncs and the missing side', () => {
    expect(byName(answers())['rsync']?.detail).toBe('rsync 3.2.7 here; rsync 3.2.7 on the server');
    expect(byName(answers({ rsync: '-' }))['rsync']?.fix).toBe('install rsync on the server for faster syncs');
  });
});

describe('formatDoctorReport', () => {
  it('aligns names, shows fixes only for what did not pass, and counts failures', () => {
    const checks = [
      { name: 'config', status: 'pass' as const, detail: 'ok', fix: 'never shown' },
      { name: 'tmux', status: 'fail' as const, detail: 'missing', fix: 'install it' },
    ];
    expect(formatDoctorReport('mtr doctor', checks)).toBe('mtr doctor\n  ✓ config  ok\n  ✗ tmux    missing\n            fix: install it\n1 check failed\n');
    expect(doctorExitCode(checks)).toBe(1);
    expect(doctorExitCode([checks[0]!])).toBe(0);
  });
});

describe('the slurm check (servers with `slurm:`)', () => {
  const answers = (extra: Partial<ProbeAnswers>): ProbeAnswers => ({ ...parseDoctorProbe(''), ...extra });
  it.each([
    ['all found, no partition configured', {}, { slurmMissing: '', slurmPartitions: 'debug* gpu' }, 'pass', 'srun and sbatch found; partitions: debug, gpu'],
    ['the partition exists', { partition: 'gpu' }, { slurmMissing: '', slurmPartitions: 'gpu' }, 'pass', 'srun and sbatch found; partition gpu exists'],
    ['the partition is unknown', { partition: 'gpu' }, { slurmMissing: '', slurmPartitions: '' }, 'fail', 'partition gpu is not known to the cluster'],
    ['commands missing', {}, { slurmMissing: 'srun sbatch' }, 'fail', 'not found on the login node: srun sbatch'],
  ])('%s', (_name, slurm, probe, status, detail) => {
    expect(byName(answers(probe), { slurm }).slurm).toMatchObject({ status, detail });
  });

  it('no slurm check for a plain server; the probe asks only for clusters', () => {
    expect(byName(answers({})).slurm).toBeUndefined();
    expect(buildDoctorProbe('~/p', undefined)).not.toContain('srun');
    expect(buildDoctorProbe('~/p', 'module load slurm', { partition: 'gpu' })).toContain("sinfo -h -p gpu -o %P");
    expect(parseDoctorProbe('mtr-doctor:slurm-missing \nmtr-doctor:slurm-partitions gpu \n')).toMatchObject({ slurmMissing: '', slurmPartitions: 'gpu' });
  });
});
