// The commander adapter: argv → (flags, command) → typed options. Nothing here connects anywhere:
// parsing stops at the action callback, and runCli is only driven down paths that fail or print.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { planInvocation, type RawFlags } from '../../src/cli-plan.js';
import { buildProgram, isRemoteWork, runCli } from '../../src/cli.js';
import type { Context } from '../../src/context.js';
import { UsageError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';

function makeContext(): { ctx: Context; stdout: () => string; stderr: () => string } {
  const collect = (stream: PassThrough) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return () => Buffer.concat(chunks).toString('utf8');
  };
  const [stdin, stdout, stderr] = [new PassThrough(), new PassThrough(), new PassThrough()];
  const ctx: Context = { cwd: '/nonexistent', env: {}, homedir: '/nonexistent', stdin, stdout, stderr, stdinIsData: false };
  return { ctx, stdout: collect(stdout), stderr: collect(stderr) };
}

/** What commander hands the action for `mtr ...argv`. */
async function parse(argv: string[]): Promise<{ flags: RawFlags; command: string[] }> {
  let parsed: { flags: RawFlags; command: string[] } | undefined;
  const program = buildProgram(makeContext().ctx, async (flags, command) => void (parsed = { flags, command }));
  await program.parseAsync(argv, { from: 'user' });
  if (!parsed) throw new Error(`no action for ${JSON.stringify(argv)}`);
  return parsed;
}

const plan = async (argv: string[]) => {
  const { flags, command } = await parse(argv);
  return planInvocation(flags, command);
};

describe('flags → run options', () => {
  const defaults = { server: undefined, sync: undefined, tty: undefined, dryRun: false, debug: false, enableLog: false, logFile: undefined };
  it.each([
    [['echo', 'hi'], {}],
    [['-s', 'gpu', 'echo'], { server: 'gpu' }],
    [['-sgpu', 'echo'], { server: 'gpu' }],
    [['--server', 'gpu', 'echo'], { server: 'gpu' }],
    [['--server=gpu', 'echo'], { server: 'gpu' }],
    [['--no-sync', 'echo'], { sync: false }],
    [['--sync', 'echo'], { sync: true }],
    [['--no-sync', '--sync', 'echo'], { sync: true }],
    [['--tty', 'echo'], { tty: true }],
    [['--no-tty', 'echo'], { tty: false }],
    [['--dry-run', 'echo'], { dryRun: true }],
    [['--enable-log', 'echo'], { enableLog: true }],
    [['--log-file', 'out/debug.log', 'echo'], { logFile: 'out/debug.log' }],
    [['--debug', 'echo'], { debug: true }],
    [['-s', 'a', '--no-sync', '--dry-run', 'echo'], { server: 'a', sync: false, dryRun: true }],
  ])('%j → %j', async (argv, expected) => {
    expect(await plan(argv)).toMatchObject({ kind: 'run', options: { ...defaults, ...expected } });
  });
});

describe('the command and what belongs to it', () => {
  it.each([
    // passThroughOptions: from the first word on, everything is the command's.
    [['python3', '-s', 'x'], [], ['python3', '-s', 'x']],
    [['sh', '-c', 'echo "$0 $1"', '-s', 'x'], [], ['sh', '-c', 'echo "$0 $1"', '-s', 'x']],
    [['echo', '--dry-run', '--no-sync', '--version', '--help'], [], ['echo', '--dry-run', '--no-sync', '--version', '--help']],
    [['--no-sync', 'python3', '--version'], ['sync'], ['python3', '--version']],
    [['make && ./run | tee log'], [], ['make && ./run | tee log']],
    // `--` before the command ends mtr's options; later ones are the command's own.
    [['--', '--version'], [], ['--version']],
    [['-s', 'gpu', '--', '-x'], ['server'], ['-x']],
    [['echo', '--', 'x'], [], ['echo', '--', 'x']],
    [['--dry-run', '--', 'a', '--', 'b'], ['dryRun'], ['a', '--', 'b']],
    [[], [], []],
  ])('%j → flags %j, command %j', async (argv, flagNames, command) => {
    const parsed = await parse(argv);
    expect(parsed.command).toEqual(command);
    // Flags the user gave; `reuse: true` and `enter: true` are commander's defaults for --no-reuse
    // and --no-enter, not given flags.
    const given = Object.entries(parsed.flags).filter(([name, value]) => !((name === 'reuse' || name === 'enter') && value === true));
    expect(given.map(([name]) => name).sort()).toEqual([...flagNames].sort());
  });
});

describe('--init', () => {
  it.each([
    [['--init'], { force: false }],
    [['--init', '--force'], { force: true }],
    [['--force', '--init'], { force: true }],
  ])('%j → %j', async (argv, expected) => {
    expect(await plan(argv)).toMatchObject({ kind: 'init', options: expected });
  });
});

describe('runCli', () => {
  it.each([
    [['--force', 'echo', 'hi'], /--force only applies to --init/],
    [['--force'], /--force only applies to --init/],
    [['--init', 'echo'], /--init takes no command/],
    [['--bogus'], /unknown option '--bogus'/],
    [['-s'], /argument missing/],
  ])('%j → UsageError %s (exit 2)', async (argv, message) => {
    const error = await runCli(argv, makeContext().ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).exitCode).toBe(2);
  });

  it.each([
    [['--version'], `${VERSION}\n`],
    [['-V'], `${VERSION}\n`],
    [['--help'], /^Usage: mtr \[options\]/],
  ])('%j prints to stdout and returns', async (argv, expected) => {
    const { ctx, stdout, stderr } = makeContext();
    await runCli(argv, ctx);
    if (typeof expected === 'string') expect(stdout()).toBe(expected);
    else expect(stdout()).toMatch(expected);
    expect(stderr()).toBe('');
  });
});

describe('isRemoteWork (what writes the code cache, src/boot.ts)', () => {
  it.each([
    [['python', 'train.py'], true],
    [['-d', 'python', 'train.py'], true],
    [['--dry-run', 'python', 'train.py'], false],
    [['--jobs'], true],
    [['--kill', 'x'], true],
    [['--get', 'out'], true],
    [['--dry-run', '--get', 'out'], false],
    [['--init'], false],
    [['--doctor'], false],
    [['--mcp'], false],
    [['--disconnect'], false],
    [['--watch'], false],
    [['--completion', 'bash'], false],
  ])('%j → %s', async (argv, expected) => {
    const { flags, command } = await parse(argv);
    expect(isRemoteWork(planInvocation(flags, command))).toBe(expected);
  });

  it('is false when commander itself answers (help) or refuses the line', async () => {
    expect((await runCli(['--help'], makeContext().ctx)).remoteWork).toBe(false);
  });
});
