import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../../../src/remote/shell-quote.js';
import { buildSweepScript } from '../../../../src/sync/plan/conflicts.js';
import type { SshTarget } from '../../../../src/ssh/target.js';
import {
  buildRsyncArgs,
  buildRsyncPullArgs,
  remoteRsyncPath,
  rsyncPullSource,
  rsyncDestination,
  rsyncPathCommand,
  type RsyncArgsInput,
} from '../../../../src/sync/rsync/args.js';
import type { RsyncVersion } from '../../../../src/sync/rsync/version.js';

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  label: 'gpu',
  host: 'gpu.example',
  port: 22,
  user: 'ann',
  identityFiles: [],
  explicitKey: false,
  jumps: [],
  connectTimeoutMs: 10_000,
  hostKeyPolicy: 'ask',
  knownHostsFiles: [],
  ...over,
});

const V327: RsyncVersion = { major: 3, minor: 2, patch: 7, openrsync: false };
const V309: RsyncVersion = { major: 3, minor: 0, patch: 9, openrsync: false };
const OPEN: RsyncVersion = { major: 2, minor: 6, patch: 9, openrsync: true };

const input = (over: Partial<RsyncArgsInput> = {}): RsyncArgsInput => ({
  root: '/p/proj',
  remoteDir: '/srv/proj',
  target: target(),
  sshCommand: 'ssh -p 22',
  progress: 'info2',
  version: V327,
  ...over,
});

describe('remoteRsyncPath (relative to the login dir, like "$HOME")', () => {
  it.each([
    ['/srv/proj', '/srv/proj/'],
    ['/srv/proj/', '/srv/proj/'],
    ['/', '/'],
    ['~', './'],
    ['~/', './'],
    ['~/proj', 'proj/'],
    ['~/-x', './-x/'],
    ['rel/dir', 'rel/dir/'],
    ['-rf', './-rf/'],
    ['~user/x', './~user/x/'],
  ])('%s → %s', (dir, expected) => expect(remoteRsyncPath(dir)).toBe(expected));
});

describe('rsyncPathCommand (mkdir names the same place as the destination)', () => {
  it.each([
    ['/srv/proj', 'mkdir -p /srv/proj && rsync'],
    ['/srv/my proj/', "mkdir -p '/srv/my proj' && rsync"],
    ['~', 'mkdir -p "$HOME" && rsync'],
    ['~/a b', `mkdir -p "$HOME"/'a b' && rsync`],
    ["/srv/it's", `mkdir -p '/srv/it'\\''s' && rsync`],
  ])('%s → %s', (dir, expected) => expect(rsyncPathCommand(dir)).toBe(expected));
});

describe('rsyncDestination', () => {
  it.each([
    ['3.2.7 escapes by itself', target(), '/srv/my proj', V327, 'gpu.example:/srv/my proj/'],
    ['3.0.9 needs shell quoting', target(), '/srv/my proj', V309, "gpu.example:'/srv/my proj/'"],
    ['openrsync needs shell quoting', target(), '~/a b', OPEN, "gpu.example:'a b/'"],
    ['safe words stay bare', target(), '~/proj', V309, 'gpu.example:proj/'],
    ['IPv6 bracketed', target({ host: '::1' }), '/srv', V327, '[::1]:/srv/'],
    ['user is not in the destination', target({ user: 'ann@corp' }), '/srv', V327, 'gpu.example:/srv/'],
  ])('%s', (_name, t, dir, v, expected) => expect(rsyncDestination(t, dir, v)).toBe(expected));
});

describe('buildRsyncArgs', () => {
  const tail = ['-e', 'ssh -p 22', '/p/proj/', 'gpu.example:/srv/proj/'];
  const mkdir = '--rsync-path=mkdir -p /srv/proj && rsync';
  it.each([
    ['progress2', input(), ['-rlptz', '--from0', '--exclude-from=-', '--info=progress2', '--no-h', '--out-format=%i', '--no-inc-recursive', mkdir, ...tail]],
    ['legacy progress', input({ progress: 'legacy' }), ['-rlptz', '--from0', '--exclude-from=-', '--progress', '--out-format=%i', '--no-inc-recursive', mkdir, ...tail]],
    ['no progress', input({ progress: 'none' }), ['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i', '--no-inc-recursive', mkdir, ...tail]],
    ['dry run creates nothing remotely', input({ dryRun: true, progress: 'none' }), ['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i', '--no-inc-recursive', '--dry-run', ...tail]],
    ['extra args before the paths', input({ progress: 'none', extraArgs: ['--bwlimit=10'] }),
      ['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i', '--no-inc-recursive', mkdir, '-e', 'ssh -p 22', '--bwlimit=10', '/p/proj/', 'gpu.example:/srv/proj/']],
    ['root with a trailing slash', input({ progress: 'none', root: '/p/proj/' }), ['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i', '--no-inc-recursive', mkdir, ...tail]],
    ['an I/O timeout for both ends', input({ progress: 'none', ioTimeoutSeconds: 60 }), ['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i', '--no-inc-recursive', '--timeout=60', mkdir, ...tail]],
    ['names of the sent files', input({ progress: 'none', itemizeNames: true }), ['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i %n', '--no-inc-recursive', mkdir, ...tail]],
    // The files listed on stdin and only those, each by checksum, no progress.
    ['nanosecond mtimes', input({ progress: 'none', nanosecondWindow: true }), ['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i', '--no-inc-recursive', '--modify-window=-1', mkdir, ...tail]],
    ['second look', input({ recheck: true }), ['-lptzc', '--from0', '--files-from=-', '--out-format=%i', mkdir, ...tail]],
  ])('%s', (_name, i, expected) => {
    const built = buildRsyncArgs(i);
    expect(built).toEqual({ command: 'rsync', args: expected, env: {} });
  });

  it("keeping the server's edits: rsync backs replaced files up into .mtr-conflicts, the shell that starts it sorts them out", () => {
    const window = { afterMs: 1_700_000_000_500, untilMs: 1_700_086_400_000, folder: 'F' };
    const args = buildRsyncArgs(input({ progress: 'none', keepServerEdits: { incoming: '.incoming-ab12', window } })).args;
    expect(args.slice(0, 7)).toEqual(['-rlptz', '--from0', '--exclude-from=-', '--out-format=%i', '--no-inc-recursive', '--backup', '--backup-dir=.mtr-conflicts/.incoming-ab12']);
    const rsyncPath = args.find((a) => a.startsWith('--rsync-path='));
    expect(rsyncPath).toBe(`--rsync-path=mkdir -p /srv/proj && exec sh -c ${shellQuote(buildSweepScript('/srv/proj', '.incoming-ab12', window))} mtr-sweep rsync`);
    // Under the sweep, the guard is not exec'd (the sweep waits for it, and it becomes rsync).
    expect(rsyncPathCommand('/srv/proj', { checkSeconds: 5, idleSeconds: 60 }, 'SWEEP')).toMatch(/^mkdir -p \/srv\/proj && exec sh -c SWEEP mtr-sweep sh -c '.*' mtr-rsync rsync$/);
    // A dry run keeps nothing (it replaces nothing).
    expect(buildRsyncArgs(input({ progress: 'none', dryRun: true, keepServerEdits: { incoming: 'x', window } })).args).not.toContain('--backup');
  });

  it('sends the whole file list at once on rsync 3 (no incremental recursion), and asks nothing of older rsyncs or openrsync', () => {
    expect(buildRsyncArgs(input({ progress: 'none', version: V309 })).args).toContain('--no-inc-recursive');
    expect(buildRsyncArgs(input({ progress: 'none', version: OPEN })).args).not.toContain('--no-inc-recursive');
    expect(buildRsyncArgs(input({ progress: 'none', version: { major: 2, minor: 6, patch: 9, openrsync: false } })).args).not.toContain('--no-inc-recursive');
  });

  it('never deletes, never uses -a (owner/group/devices), and filters only by the list on stdin', () => {
    const args = buildRsyncArgs(input()).args;
    expect(args.filter((a) => /^-[a-zA-Z]*a[a-zA-Z]*$|^--(delete|archive|filter|include)|^--exclude(?!-from=-$)/.test(a))).toEqual([]);
  });

  it('password: sshpass -e with SSHPASS in the env, never on the command line', () => {
    const built = buildRsyncArgs(input({ target: target({ password: 's3cret pw' }), progress: 'none' }));
    expect(built.command).toBe('sshpass');
    expect(built.args.slice(0, 3)).toEqual(['-e', 'rsync', '-rlptz']);
    expect(built.env).toEqual({ SSHPASS: 's3cret pw' });
    expect(built.args.join(' ')).not.toContain('s3cret');
  });

  it('password through the tunnel: plain rsync, no sshpass, no password anywhere (already logged in)', () => {
    const built = buildRsyncArgs(input({ target: target({ password: 's3cret pw' }), tunnel: true }));
    expect(built.command).toBe('rsync');
    expect(built.env).toEqual({});
    expect(JSON.stringify(built)).not.toContain('s3cret');
  });
});


describe('through the relay (tunnel)', () => {
  it('asks rsync for a blocking stdout for the relay (its cat cannot retry a write)', () => {
    const args = buildRsyncArgs(input({ tunnel: true, sshCommand: "sh -c 'x' mtr-rsh" })).args;
    expect(args.slice(args.indexOf('-e'), args.indexOf('-e') + 3)).toEqual(['-e', "sh -c 'x' mtr-rsh", '--blocking-io']);
    expect(buildRsyncArgs(input()).args).not.toContain('--blocking-io');
  });
});

describe('rsyncPullSource', () => {
  it.each([
    ['outputs/run1', 'dir', 'outputs/run1/'],
    ['outputs/run1/', 'dir', 'outputs/run1/'],
    ['outputs/m.json', 'file', 'outputs/m.json'],
    ['/abs/x/', 'dir', '/abs/x/'],
    ['~', 'dir', './'],
    ['~/mtr/p/out', 'dir', 'mtr/p/out/'],
    ['~/m.json', 'file', 'm.json'],
    ['-rf', 'file', './-rf'],
    ['~odd', 'file', './~odd'],
    ['/', 'dir', '/'],
  ] as const)('%s (%s) → %s', (remote, kind, expected) => expect(rsyncPullSource(remote, kind)).toBe(expected));
});

describe('buildRsyncPullArgs', () => {
  const pull = (over: Partial<Parameters<typeof buildRsyncPullArgs>[0]> = {}) =>
    buildRsyncPullArgs({ target: target(), sshCommand: 'ssh -p 22', progress: 'info2', version: V327, remotePath: 'out/run 1', kind: 'dir', localTarget: '/home/ann/p/run 1', ...over });

  it('a directory: -r, its contents into the target folder, host:source then the local path', () => {
    expect(pull().args).toEqual(['-rlptz', '--info=progress2', '--no-h', '--out-format=%i', '-e', 'ssh -p 22', 'gpu.example:out/run 1/', '/home/ann/p/run 1/']);
  });

  it('a file: no -r, -L (a symlink named is fetched as its file), the target is the file itself', () => {
    expect(pull({ kind: 'file', remotePath: 'out/m.json', localTarget: '/p/m.json' }).args).toEqual(['-ptzL', '--info=progress2', '--no-h', '--out-format=%i', '-e', 'ssh -p 22', 'gpu.example:out/m.json', '/p/m.json']);
  });

  it('an rsync before 3.2.4 gets the remote word shell-quoted (it reaches the remote shell raw)', () => {
    expect(pull({ version: V309 }).args.at(-2)).toBe("gpu.example:'out/run 1/'");
  });

  it('password: sshpass with SSHPASS in the env; through the relay: plain rsync, --blocking-io', () => {
    const viaSsh = pull({ target: target({ password: 'pw' }) });
    expect([viaSsh.command, viaSsh.env]).toEqual(['sshpass', { SSHPASS: 'pw' }]);
    const viaRelay = pull({ target: target({ password: 'pw' }), tunnel: true });
    expect([viaRelay.command, viaRelay.env, viaRelay.args.includes('--blocking-io')]).toEqual(['rsync', {}, true]);
  });
});
