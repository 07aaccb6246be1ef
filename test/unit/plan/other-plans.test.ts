import { describe, expect, it } from 'vitest';
import { buildPlan, checkRequest } from '../../../src/plan/build-plan.js';
import { planGet } from '../../../src/plan/get-plan.js';
import { planJobs } from '../../../src/plan/jobs-plan.js';
import { planWatch } from '../../../src/plan/watch-plan.js';
import type { GetOptions, JobAction, JobOptions, WatchOptions } from '../../../src/options.js';
import { atTerminal, config, globals, inputs, runOptions, server } from './fixtures.js';

const getOptions = (extra: Partial<GetOptions> = {}): GetOptions => ({ ...globals, dryRun: false, deleteRemote: false, quiet: false, verbose: false, remotePath: 'outputs', ...extra });

describe('planGet', () => {
  it.each([
    ['no --to: here', {}, {}, { path: '/home/me/proj/sub', into: true }, undefined],
    ['no --to: download_dir, made first', {}, { downloadDir: '/home/me/proj/results' }, { path: '/home/me/proj/results', into: true }, '/home/me/proj/results'],
    ['--to a name', { to: 'model.pt' }, { downloadDir: '/d' }, { path: '/home/me/proj/sub/model.pt', into: false }, undefined],
    ['--to a folder/', { to: '../out/' }, {}, { path: '/home/me/proj/out', into: true }, undefined],
  ])('destination: %s', (_name, flags, srv, dest, makeDir) => {
    const plan = planGet(getOptions(flags), config([server('gpu', srv)]), inputs({ cwd: '/home/me/proj/sub' }));
    expect(plan.dest).toEqual(dest);
    expect(plan.makeDir).toBe(makeDir);
  });

  it.each([
    ['outputs/x', '~/mtr/proj/outputs/x'],
    ['/data/x', '/data/x'],
    ['~/x', '~/x'],
  ])('source: %s → %s', (remotePath, source) => {
    expect(planGet(getOptions({ remotePath }), config([server('gpu')]), inputs()).source).toBe(source);
  });

  it.each([
    [{}, {}, { enabled: true, delete: false, live: false, verbose: false }],
    [{ sync: false }, {}, { enabled: false }],
    [{ verbose: true, deleteRemote: true }, {}, { verbose: true, delete: true }],
    [{}, { delete: true }, { delete: true }],
  ])('sync %j (server %j) → %j', (flags, srv, expected) => {
    expect(planGet(getOptions(flags), config([server('gpu', srv)]), inputs()).sync).toMatchObject(expected);
  });
});

const watchOptions = (extra: Partial<WatchOptions> = {}): WatchOptions => ({ ...globals, dryRun: false, deleteRemote: false, quiet: false, command: [], ...extra });

describe('planWatch', () => {
  it('its own connection: never the shared socket', () => {
    const plan = planWatch(watchOptions(), config([server('gpu')]), inputs());
    expect(plan.host.reuse).toBe(false);
    expect(plan.host.target.control).toBeUndefined();
  });

  it.each([
    ['sync only, stderr a terminal', {}, true, true],
    ['sync only, no terminal', {}, false, false],
    ['sync only, --no-tty', { tty: false }, true, false],
    ['with a command: its output shares stderr', { command: ['serve'] }, true, false],
  ])('live status line: %s', (_name, flags, stderr, live) => {
    expect(planWatch(watchOptions(flags), config([server('gpu')]), inputs({ terminal: { ...atTerminal, stderr } })).status.live).toBe(live);
  });

  it('with a command: batch jobs named from --name or the project, no stdin', () => {
    const named = planWatch(watchOptions({ command: ['serve', '--port', '8'], name: 'web' }), config([server('gpu')]), inputs({ stdinIsData: true, cwd: '/home/me/proj/app' }));
    expect(named.job).toMatchObject({ name: 'web', mode: 'batch', wrapper: { interactive: false, stdinFifo: false }, argv: ['serve', '--port', '8'], cwd: '~/mtr/proj/app' });
    expect(named.remoteCwd).toBe('~/mtr/proj/app');
    expect(named.remoteCommand).toContain("serve --port 8");
    expect(planWatch(watchOptions({ command: ['serve'] }), config([server('gpu')]), inputs()).job?.name).toBe('proj-abc123');
    const syncOnly = planWatch(watchOptions(), config([server('gpu')]), inputs());
    expect([syncOnly.job, syncOnly.remoteCommand, syncOnly.remoteCwd]).toEqual([undefined, undefined, '~/mtr/proj']);
  });

  it.each([
    [{}, {}, false],
    [{ deleteRemote: true }, {}, true],
    [{}, { delete: true }, true],
  ])('delete %j (server %j) → %s', (flags, srv, expected) => {
    expect(planWatch(watchOptions(flags), config([server('gpu', srv)]), inputs()).sync).toMatchObject({ enabled: true, delete: expected });
  });
});

const jobOptions = (action: JobAction, extra: Partial<JobOptions> = {}): JobOptions => ({ ...globals, action, ...extra });
const two = config([server('a'), server('b')]);

describe('planJobs', () => {
  it.each([
    ['--attach on two servers', { kind: 'attach', name: 't' } as JobAction, /--attach needs a single server/],
    ['--jobs --json on two servers', { kind: 'list', json: true, allProjects: false } as JobAction, /--jobs --json needs a single server/],
  ])('refused: %s', (_name, action, message) => {
    expect(() => planJobs(jobOptions(action, { all: true }), two, inputs())).toThrow(message);
  });

  it.each([
    ['a terminal', {}, atTerminal, true],
    ['--no-tty', { tty: false }, atTerminal, false],
    ['no terminal', {}, undefined, false],
  ])('attach at a terminal: %s', (_name, flags, terminal, expected) => {
    expect(planJobs(jobOptions({ kind: 'attach', name: 't' }, flags), two, inputs(terminal ? { terminal } : {})).atTerminal).toBe(expected);
  });

  it('every server with --all, in file order', () => {
    const plan = planJobs(jobOptions({ kind: 'kill', name: 't' }, { all: true }), two, inputs());
    expect(plan.hosts.map((h) => [h.server.name, h.chosenBy])).toEqual([['a', 'all'], ['b', 'all']]);
    expect(plan.parallel).toBe(8);
  });

  it('--parallel reaches job commands', () => {
    expect(planJobs(jobOptions({ kind: 'list', json: false, allProjects: false }, { all: true, parallel: 1 }), two, inputs()).parallel).toBe(1);
  });
});

describe('buildPlan', () => {
  it.each([
    [{ kind: 'run' as const, options: runOptions() }, 'run'],
    [{ kind: 'get' as const, options: getOptions() }, 'get'],
    [{ kind: 'watch' as const, options: watchOptions() }, 'watch'],
    [{ kind: 'job' as const, options: jobOptions({ kind: 'list', json: false, allProjects: false }) }, 'job'],
  ])('%j → a %s plan', (request, action) => {
    expect(buildPlan(request, config([server('gpu')]), inputs()).action).toBe(action);
  });

  it('the plan is frozen, down to each host', () => {
    const plan = buildPlan({ kind: 'run', options: runOptions() }, config([server('gpu')]), inputs());
    expect(Object.isFrozen(plan)).toBe(true);
    expect(() => {
      (plan as unknown as { hosts: { host: { target: { host: string } } }[] }).hosts[0]!.host.target.host = 'elsewhere';
    }).toThrow(TypeError);
  });

  it('checkRequest refuses a run without a command before any config exists', () => {
    expect(() => checkRequest({ kind: 'run', options: runOptions({ command: [] }) })).toThrow(/no command given/);
    expect(() => checkRequest({ kind: 'get', options: getOptions() })).not.toThrow();
  });
});
