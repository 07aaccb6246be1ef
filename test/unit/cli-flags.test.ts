// The flag table against commander's declared options and planInvocation: one row per
// (flag, action) pair, generated, so a new flag or action without a decision fails here.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ACTIONS, FLAG_TABLE, flagName, type Action, type FlagRow, type RawFlags } from '../../src/cli-flags.js';
import { planInvocation, type Invocation } from '../../src/cli-plan.js';
import { buildProgram } from '../../src/cli.js';
import type { Context } from '../../src/context.js';
import { UsageError } from '../../src/errors.js';

function makeContext(): Context {
  return { cwd: '/nonexistent', env: {}, homedir: '/nonexistent', stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), stdinIsData: false };
}

const program = buildProgram(makeContext(), async () => undefined);
/** Commander's own: handled before any action runs. */
const COMMANDER_ONLY = ['--version', '--help'];

/** `mtr ...argv` → what planInvocation makes of it (or the error it throws). */
async function planArgv(argv: string[]): Promise<Invocation> {
  let parsed: { flags: RawFlags; command: string[] } | undefined;
  await buildProgram(makeContext(), async (flags, command) => void (parsed = { flags, command })).parseAsync(argv, { from: 'user' });
  if (!parsed) throw new Error(`no action for ${JSON.stringify(argv)}`);
  return planInvocation(parsed.flags, parsed.command);
}

/** Each action as the user asks for it: its flags, then its command. */
const ACTION_ARGV: Record<Action, { flags: string[]; command: string[] }> = {
  run: { flags: [], command: ['echo', 'hi'] },
  detach: { flags: ['-d'], command: ['echo', 'hi'] },
  watch: { flags: ['--watch'], command: [] },
  'watch-cmd': { flags: ['--watch'], command: ['echo', 'hi'] },
  get: { flags: ['--get', 'out'], command: [] },
  jobs: { flags: ['--jobs'], command: [] },
  attach: { flags: ['--attach', 'j'], command: [] },
  logs: { flags: ['--logs', 'j'], command: [] },
  wait: { flags: ['--wait', 'j'], command: [] },
  kill: { flags: ['--kill', 'j'], command: [] },
  session: { flags: ['--session', 'sh1'], command: ['echo', 'hi'] },
  send: { flags: ['--send', 'j'], command: ['print(1)'] },
  keys: { flags: ['--keys', 'j'], command: ['C-c'] },
  screen: { flags: ['--screen', 'j'], command: [] },
  forward: { flags: ['--forward', '8888'], command: [] },
  init: { flags: ['--init'], command: [] },
  disconnect: { flags: ['--disconnect'], command: [] },
  doctor: { flags: ['--doctor'], command: [] },
  completion: { flags: ['--completion', 'bash'], command: [] },
  complete: { flags: ['--complete', 'servers'], command: [] },
  mcp: { flags: ['--mcp'], command: [] },
};

const KIND: Record<Action, Invocation['kind']> = {
  run: 'run',
  detach: 'run',
  watch: 'watch',
  'watch-cmd': 'watch',
  get: 'get',
  jobs: 'job',
  attach: 'job',
  logs: 'job',
  wait: 'job',
  kill: 'job',
  session: 'run',
  send: 'job',
  keys: 'job',
  screen: 'job',
  forward: 'forward',
  init: 'init',
  disconnect: 'disconnect',
  doctor: 'doctor',
  completion: 'completion',
  complete: 'complete',
  mcp: 'mcp',
};

/** A valid value for each flag that takes one. */
const SAMPLE: Partial<Record<keyof RawFlags, string>> = {
  server: 'gpu',
  parallel: '3',
  get: 'out',
  to: 'here',
  name: 'job1',
  attach: 'j',
  logs: 'j',
  tail: '5',
  wait: 'j',
  for: 'ready',
  timeout: '10',
  kill: 'j',
  completion: 'bash',
  complete: 'servers',
  logFile: 'debug.log',
  session: 'sh1',
  send: 'j',
  keys: 'j',
  screen: 'j',
  lines: '10',
  size: '100x30',
  maxOutput: '1000',
  forward: '9999',
  partition: 'gpu',
  gpus: '2',
  nodes: '2',
  time: '30',
};

function rowArgv(row: FlagRow): string[] {
  const value = SAMPLE[row.key];
  return value === undefined ? [row.long] : [row.long, value];
}

describe('the flag table covers exactly the declared options', () => {
  const declared = program.options.filter((option) => !COMMANDER_ONLY.includes(option.long as string));

  it.each(declared.map((option) => [option.long as string, option] as const))('%s has a row that matches commander', (long, option) => {
    const row = FLAG_TABLE.find((r) => r.long === long);
    expect(row, `no row for ${long} in src/cli-flags.ts`).toBeDefined();
    const pair = declared.some((other) => other !== option && other.attributeName() === option.attributeName());
    expect({ key: row!.key, short: row!.short, value: row!.value }).toEqual({
      key: option.attributeName(),
      short: option.short,
      value: option.negate ? false : pair ? true : undefined,
    });
  });

  it('has no row for an undeclared flag, and one row per flag', () => {
    expect(FLAG_TABLE.map((row) => row.long).sort()).toEqual(declared.map((option) => option.long as string).sort());
  });

  it('names every action of ACTION_ARGV', () => {
    expect(Object.keys(ACTION_ARGV).sort()).toEqual([...ACTIONS].sort());
  });
});

describe('each action, as asked for, is that action', () => {
  it.each([...ACTIONS])('%s', async (action) => {
    const { flags, command } = ACTION_ARGV[action];
    expect((await planArgv([...flags, ...command])).kind).toBe(KIND[action]);
  });
});

// The flag that picks the action (or -d, which turns a run into a detached one) makes "a run" with
// it another action: that pair is the other action's row.
const pairs = FLAG_TABLE.flatMap((row) =>
  ACTIONS.filter((action) => !((action === 'run' || action === 'forward') && (row.selects !== undefined || row.key === 'detach'))).map((action) => [flagName(row), action, row] as const),
);

describe('every (flag, action) pair', () => {
  it.each(pairs)('%s with %s', async (_name, action, row) => {
    const { flags, command } = ACTION_ARGV[action];
    const argv = [...rowArgv(row), ...flags, ...command];
    const accepted = row.accepts.includes(action) || row.selects === action;
    const outcome = await planArgv(argv).then(
      (invocation) => invocation,
      (error: unknown) => error,
    );
    if (accepted) {
      expect(outcome, `mtr ${argv.join(' ')}`).not.toBeInstanceOf(Error);
      expect((outcome as Invocation).kind).toBe(KIND[action]);
      return;
    }
    expect(outcome, `mtr ${argv.join(' ')} should be refused`).toBeInstanceOf(UsageError);
    const error = outcome as UsageError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(new RegExp(`(^|[^-\\w])(${row.long}${row.short ? `|${row.short}` : ''})(?![-\\w])`));
    expect(error.hint, `a fix line for mtr ${argv.join(' ')}`).toBeTruthy();
  });
});

describe('what accepted flags become', () => {
  it.each([
    [['--dry-run', '--get', 'out'], { kind: 'get', options: { dryRun: true, remotePath: 'out' } }],
    [['--get', 'out'], { kind: 'get', options: { dryRun: false } }],
    [['--dry-run', '--watch', 'pytest'], { kind: 'watch', options: { dryRun: true, command: ['pytest'] } }],
    [['--dry-run', '--watch'], { kind: 'watch', options: { dryRun: true, command: [] } }],
    [['--parallel', '3', '--jobs'], { kind: 'job', options: { parallel: 3, action: { kind: 'list' } } }],
    [['--parallel', '2', '--kill', 'x'], { kind: 'job', options: { parallel: 2, action: { kind: 'kill', name: 'x' } } }],
    [['--all', '--logs', 'x'], { kind: 'job', options: { all: true } }],
    [['--no-sync', '--no-tty', '--no-reuse', '--jobs'], { kind: 'job', options: { reuse: false } }],
    [['-d', '--dry-run', 'echo'], { kind: 'run', options: { detach: true, dryRun: true } }],
    [['--mcp', '-s', 'gpu', '--no-sync'], { kind: 'mcp', options: { server: 'gpu', sync: false, reuse: true } }],
    [['--mcp', '--log-file', 'mcp.log'], { kind: 'mcp', options: { logFile: 'mcp.log', enableLog: false } }],
  ])('%j → %j', async (argv, expected) => {
    expect(await planArgv(argv)).toMatchObject(expected);
  });

  it('--jobs without --parallel leaves the default to fan-out', async () => {
    const invocation = await planArgv(['--jobs']);
    expect(invocation.kind === 'job' ? invocation.options.parallel : 'not a job').toBeUndefined();
  });
});

describe('refusals the issue named, and their fix lines', () => {
  it.each([
    [['--dry-run', '--kill', 'x'], /^--dry-run does not apply to --kill: it would stop the job$/, /mtr --jobs/],
    [['--dry-run', '--jobs'], /^--dry-run does not apply to --jobs$/, /drop it/],
    [['-d', '--get', 'x'], /^-d\/--detach does not apply to --get$/, /mtr -d CMD/],
    [['--parallel', '3', '--attach', 'x'], /^--parallel does not apply to --attach$/, /at once/],
    [['--delete', '--no-sync', 'echo'], /cannot be combined with --no-sync/, /drop --delete or --no-sync/],
    [['-v', '--watch'], /^-v does not apply to --watch$/, /line per sync/],
    [['--name', 'x', '--watch'], /no command was given/, /drop --name/],
    [['--size', '80x24', 'echo'], /--size applies to a detached terminal job/, /add -d --tty/],
    [['--keys', 'j', 'Ctrl-C'], /unknown key name "Ctrl-C"/, /C-c/],
    [['--send', 'j', '--no-enter'], /needs text/, /--no-enter/],
    [['--forward', '99999'], /not a port/, /--forward 8888/],
    [['--session', 'work'], /needs a command/, /exit/],
    [['--json', '--watch'], /--json does not apply to --watch/, /one JSON document/],
    [['--enable-log', '--init'], /^--enable-log does not apply to --init$/, /debug log/],
    [['-s', 'gpu', '--disconnect'], /^-s\/--server does not apply to --disconnect$/, /-s picks/],
    [['--jobs', '--kill', 'x'], /^choose one of --jobs, --kill$/, /one after another/],
  ])('%j', async (argv, message, hint) => {
    const error = (await planArgv(argv).then(
      () => undefined,
      (e: unknown) => e,
    )) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });
});
