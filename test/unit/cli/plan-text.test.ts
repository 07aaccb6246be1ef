import { describe, expect, it } from 'vitest';
import { formatGetPreview, formatRunPreview, formatWatchPreview } from '../../../src/cli/plan-text.js';
import type { GetPreview } from '../../../src/commands/dry-run.js';
import { UsageError } from '../../../src/errors.js';
import { planGet } from '../../../src/plan/get-plan.js';
import { planRun } from '../../../src/plan/run-plan.js';
import { planWatch } from '../../../src/plan/watch-plan.js';
import { config, globals, inputs, runOptions, server } from '../plan/fixtures.js';

// The dry run prints the plan the run executes: every line below comes from the plan's values.
describe('formatRunPreview', () => {
  it.each([
    ['-s', { server: 'gpu' }, {}, 'gpu (from -s)'],
    ['MTR_SERVER', {}, { MTR_SERVER: 'gpu' }, 'gpu (from MTR_SERVER)'],
    ['the only server', {}, {}, 'gpu (first server)'],
  ])('why the server: %s', (_name, flags, env, shown) => {
    const plan = planRun(runOptions({ sync: false, ...flags }), config([server('gpu')]), inputs({ env }));
    expect(formatRunPreview(plan, plan.hosts.map((run) => ({ run })))).toContain(`server:      ${shown}\n`);
  });

  it('one host: connect, auth (password masked), remote dir, job, script and the exact command', () => {
    const plan = planRun(runOptions({ sync: false, detach: true, name: 't' }), config([server('gpu', { password: 'hunter2', preCmd: 'source env.sh' })]), inputs({ env: { SSH_AUTH_SOCK: '/a' }, cwd: '/home/me/proj/src' }));
    const [run] = plan.hosts;
    const text = formatRunPreview(plan, [{ run: run! }]);
    expect(text).toContain('connect:     me@gpu.example.com:22\n');
    expect(text).toContain('auth:        default keys in ~/.ssh, then ssh-agent, then password ***\n');
    expect(text).toContain('remote dir:  ~/mtr/proj/src\n');
    expect(text).toContain('pre_cmd:     source env.sh\n');
    expect(text).toContain('sync:        skipped (--no-sync)\n');
    expect(text).toContain('job:         t (tmux -L mtr, ~/.mtr/jobs/t), detached\n');
    expect(text).toContain(`exact remote command:\n  ${run!.remoteCommand}\n`);
    expect(text).not.toContain('hunter2');
  });

  it('a sync preview; a refused deletion is shown as the refusal', () => {
    const plan = planRun(runOptions({ deleteRemote: true }), config([server('gpu')]), inputs());
    const sync = { files: 2, bytes: 2048, excluded: 1, largest: [{ path: 'a.bin', size: 2000 }] };
    const text = formatRunPreview(plan, [{ run: plan.hosts[0]!, sync }]);
    expect(text).toContain('sync:        auto /home/me/proj → ~/mtr/proj\n  2 files, 2.0 KB considered (only new or changed files are sent); 1 path excluded\n  largest: a.bin');
    expect(text).toContain('  delete: on — remote files missing locally would be deleted');
    const refused = formatRunPreview(plan, [{ run: plan.hosts[0]!, sync, refusal: new UsageError('refusing to delete remote files: x') }]);
    expect(refused).toContain('  delete: REFUSED — refusing to delete remote files: x; the run would stop here');
  });

  it('several hosts: one block each, headed by its name, with its own job name', () => {
    const plan = planRun(runOptions({ sync: false, all: true, name: 't' }), config([server('a'), server('b')]), inputs());
    const text = formatRunPreview(plan, plan.hosts.map((run) => ({ run })));
    expect(text.match(/^== (\w+) ==$/gm)).toEqual(['== a ==', '== b ==']);
    expect(text).toContain('job:         t-a (');
    expect(text).toContain('job:         t-b (');
    expect(text).toContain('server:      a (from --all)');
  });
});

describe('formatWatchPreview', () => {
  const watch = (command: string[]) =>
    planWatch({ ...globals, dryRun: true, deleteRemote: false, quiet: false, command, name: 'web' }, config([server('gpu')]), inputs({ env: { MTR_SERVER: 'gpu' } }));
  const sync = { files: 1, bytes: 10, excluded: 0, largest: [] };

  it('with a command: the runs it restarts, its script and exact command', () => {
    const plan = watch(['serve']);
    const text = formatWatchPreview(plan, { sync });
    expect(text).toContain('server:      gpu (from MTR_SERVER)\n');
    expect(text).toContain('  then every local change, as it happens, over one kept-open connection (until Ctrl+C)\n');
    expect(text).toContain('job:         web-1, then web-2, … (tmux -L mtr): started after the first sync;');
    expect(text).toContain(`exact remote command:\n  ${plan.remoteCommand}\n`);
  });

  it('sync only: no job, no script', () => {
    const text = formatWatchPreview(watch([]), { sync });
    expect(text).toContain('job:         (none: --watch without a command only syncs)\n');
    expect(text).not.toContain('remote script');
  });
});

describe('formatGetPreview', () => {
  const plan = planGet({ ...globals, dryRun: true, deleteRemote: false, quiet: false, verbose: false, remotePath: 'outputs/run1', sync: false }, config([server('gpu')]), inputs());
  const preview = (extra: Partial<GetPreview>): GetPreview => ({
    name: 'run1',
    landing: { file: { path: '/home/me/proj/run1' }, dir: { path: '/home/me/proj/run1' } },
    engine: { kind: 'rsync', fallback: true },
    ...extra,
  });

  it('the server, the source below remote_dir, one landing, the engine', () => {
    expect(formatGetPreview(plan, preview({}))).toBe(
      [
        'server:      gpu (first server)',
        'connect:     me@gpu.example.com:22',
        'sync first:  skipped (--no-sync)',
        'remote path: ~/mtr/proj/outputs/run1',
        'local:       /home/me/proj/run1',
        'engine:      rsync, only what changed (SFTP if the server has no rsync)',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [{ landing: { file: { path: '/d/run1' }, dir: { refused: '/d is a file' } } }, 'local:       /d/run1 if run1 is a file; refused: /d is a file if it is a folder'],
    [{ engine: { kind: 'sftp' as const, why: 'sync: sftp' } }, 'engine:      sftp (sync: sftp)'],
    [{ engine: { kind: 'rsync' as const, fallback: false } }, 'engine:      rsync, only what changed (sync: rsync)'],
  ])('%j', (extra, line) => {
    expect(formatGetPreview(plan, preview(extra))).toContain(`${line}\n`);
  });
});
