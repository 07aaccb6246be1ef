import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { planRun } from '../../../src/plan/run-plan.js';
import { buildRemoteCommand, buildRemoteScript } from '../../../src/remote/command.js';
import { buildDirectCommand } from '../../../src/remote/staged-command.js';
import { atTerminal, config, inputs, runOptions, server } from './fixtures.js';

const one = config([server('gpu')]);
const three = config([server('a'), server('b', { delete: true }), server('c')], { groups: { pair: ['a', 'b'] }, defaultServer: 'pair' });

describe('planRun: one server', () => {
  // mode: --detach wins; else --tty/--no-tty; else a terminal on both stdin and stdout.
  it.each([
    ['a terminal', {}, atTerminal, false, 'interactive'],
    ['no terminal', {}, undefined, false, 'batch'],
    ['--no-tty at a terminal', { tty: false }, atTerminal, false, 'batch'],
    ['--tty without a terminal', { tty: true }, undefined, false, 'interactive'],
    ['--detach at a terminal', { detach: true }, atTerminal, false, 'detached'],
    ['piped stdin: a FIFO for the job', {}, undefined, true, 'batch'],
    ['piped stdin, detached: no FIFO', { detach: true }, undefined, true, 'detached'],
  ])('%s → %s', (_name, flags, terminal, stdinIsData, mode) => {
    const plan = planRun(runOptions(flags), one, inputs({ ...(terminal ? { terminal } : {}), stdinIsData }));
    const [run] = plan.hosts;
    expect(run?.job.mode).toBe(mode);
    expect(run?.job.wrapper).toEqual({
      interactive: mode === 'interactive',
      stdinFifo: mode === 'batch' && stdinIsData,
      ...(mode === 'interactive' ? { term: 'xterm-256color' } : {}),
    });
    expect(run?.job.size).toEqual(mode === 'interactive' ? { cols: 120, rows: 40 } : undefined);
    expect(run?.sync.live).toBe(mode === 'interactive');
    expect(plan.fanOut).toBeUndefined();
  });

  it.each([
    ['default: on, no delete', {}, {}, { enabled: true, delete: false }],
    ['--no-sync', { sync: false }, {}, { enabled: false, delete: false }],
    ['--delete', { deleteRemote: true }, {}, { enabled: true, delete: true }],
    ["the server's delete: true", {}, { delete: true }, { enabled: true, delete: true }],
    ['-v', { verbose: true }, {}, { enabled: true, verbose: true }],
    ['sync: sftp', {}, { sync: 'sftp' as const }, { engine: 'sftp' }],
  ])('sync policy: %s', (_name, flags, srv, expected) => {
    const plan = planRun(runOptions(flags), config([server('gpu', srv)]), inputs());
    expect(plan.hosts[0]?.sync).toMatchObject(expected);
  });

  it.each([
    ['-s', { server: 'gpu' }, {}, 'flag'],
    ['MTR_SERVER', {}, { MTR_SERVER: 'gpu' }, 'env'],
    ['the only server', {}, {}, 'first'],
  ])('why the server: %s', (_name, flags, env, chosenBy) => {
    expect(planRun(runOptions(flags), one, inputs({ env })).hosts[0]?.host.chosenBy).toBe(chosenBy);
  });

  it('the remote command, job and fallback from one spec; the cwd below the project root', () => {
    const plan = planRun(runOptions({ command: ['python', 'train.py', '--epochs', '2'] }), config([server('gpu', { preCmd: 'source env.sh' })]), inputs({ cwd: '/home/me/proj/src' }));
    const run = plan.hosts[0];
    const spec = { remoteDir: '~/mtr/proj', subdir: 'src', preCmd: 'source env.sh', argv: ['python', 'train.py', '--epochs', '2'], env: { PYTHONUNBUFFERED: '1' } };
    expect(run?.command).toEqual(spec);
    expect(run?.remoteCwd).toBe('~/mtr/proj/src');
    expect(run?.remoteCommand).toBe(buildRemoteCommand(spec));
    expect(run?.job).toMatchObject({
      name: 'proj-abc123',
      project: '~/mtr/proj',
      script: buildRemoteScript(spec),
      fallback: buildDirectCommand(buildRemoteScript(spec)),
      argv: spec.argv,
      server: 'gpu',
      cwd: '~/mtr/proj/src',
    });
    expect(plan).toMatchObject({ action: 'run', jobName: 'proj-abc123', projectRoot: '/home/me/proj', log: {}, agent: false });
  });

  it.each([
    ['--name', { name: 'train' }, 'train'],
    ['generated: project + random id', {}, 'proj-abc123'],
  ])('job name: %s', (_name, flags, expected) => {
    const plan = planRun(runOptions(flags), one, inputs());
    expect([plan.jobName, plan.hosts[0]?.job.name]).toEqual([expected, expected]);
  });

  it('the same inputs give the same plan', () => {
    expect(planRun(runOptions(), one, inputs())).toEqual(planRun(runOptions(), one, inputs()));
  });

  it('SSH_AUTH_SOCK: the agent is offered', () => {
    expect(planRun(runOptions(), one, inputs({ env: { SSH_AUTH_SOCK: '/a' } })).agent).toBe(true);
  });

  it('no command: refused before anything else', () => {
    expect(() => planRun(runOptions({ command: [] }), one, inputs())).toThrow(/no command given/);
  });
});

describe('planRun: several servers (fan-out)', () => {
  it.each([
    ['the default group', {}, ['a', 'b'], 'default'],
    ['-s a,c', { server: 'a,c' }, ['a', 'c'], 'flag'],
    ['--all', { all: true }, ['a', 'b', 'c'], 'all'],
  ])('%s', (_name, flags, names, chosenBy) => {
    const plan = planRun(runOptions({ name: 'train', ...flags }), three, inputs());
    expect(plan.hosts.map((h) => h.host.server.name)).toEqual(names);
    expect(plan.hosts.map((h) => h.job.name)).toEqual(names.map((n) => `train-${n}`));
    expect(plan.hosts.every((h) => h.host.chosenBy === chosenBy)).toBe(true);
  });

  it('batch jobs without stdin, no spinner; delete per server; logs per job', () => {
    const plan = planRun(runOptions({ name: 'train', verbose: true }), three, inputs({ terminal: { ...atTerminal, stderr: false }, stdinIsData: true }));
    expect(plan.hosts.map((h) => [h.job.mode, h.job.wrapper.stdinFifo, h.sync.live, h.sync.delete])).toEqual([
      ['batch', false, false, false],
      ['batch', false, false, true],
    ]);
    expect(plan.fanOut).toEqual({ parallel: 8, logDir: '/home/me/proj/.mtr/logs/train', notice: '2 servers (a, b): batch mode, each line prefixed with [server]' });
    expect(plan.verbose).toBe(true);
  });

  it.each([
    ['no terminal: no notice', {}, undefined, undefined],
    ['--no-tty: no notice', { tty: false }, atTerminal, undefined],
    ['--parallel 2', { parallel: 2 }, undefined, undefined],
  ])('%s', (_name, flags, terminal, notice) => {
    const plan = planRun(runOptions(flags), three, inputs(terminal ? { terminal } : {}));
    expect(plan.fanOut?.notice).toBe(notice);
    expect(plan.fanOut?.parallel).toBe((flags as { parallel?: number }).parallel ?? 8);
  });

  it('--detach: detached jobs on every host', () => {
    expect(planRun(runOptions({ detach: true }), three, inputs()).hosts.map((h) => h.job.mode)).toEqual(['detached', 'detached']);
  });

  it.each([
    ['--tty', runOptions({ tty: true }), three, /--tty needs a single server \(got a, b\)/],
    ['two names, one job name', runOptions({ name: 'x', all: true }), config([server('a.b'), server('a-b')]), /servers a\.b and a-b would both run job x-a-b/],
  ])('refused: %s', (_name, options, cfg, message) => {
    expect(() => planRun(options, cfg, inputs())).toThrow(UsageError);
    expect(() => planRun(options, cfg, inputs())).toThrow(message);
  });
});
