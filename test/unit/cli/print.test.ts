import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { prefixLines, printDryRun, printJobs, printRun } from '../../../src/cli/print.js';
import type { JobsResult, RunResult } from '../../../src/commands/results.js';
import type { Context } from '../../../src/context.js';
import { UsageError } from '../../../src/errors.js';
import { planJobs } from '../../../src/plan/jobs-plan.js';
import { planRun } from '../../../src/plan/run-plan.js';
import { config, globals, inputs, runOptions, server } from '../plan/fixtures.js';

function makeContext(): { ctx: Context; out: () => string; err: () => string } {
  const collect = (stream: PassThrough) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return () => Buffer.concat(chunks).toString('utf8');
  };
  const [stdin, stdout, stderr] = [new PassThrough(), new PassThrough(), new PassThrough()];
  return { ctx: { cwd: '/p', env: {}, homedir: '/h', stdin, stdout, stderr, stdinIsData: false }, out: collect(stdout), err: collect(stderr) };
}

describe('prefixLines', () => {
  it.each([
    ['a\nb\n', '[x] ', '[x] a\n[x] b\n'],
    ['a', '[x] ', '[x] a\n'],
    ['', '[x] ', ''],
    ['a\n', '', 'a\n'],
  ])('%j with %j → %j', (text, prefix, expected) => expect(prefixLines(text, prefix)).toBe(expected));
});

const host = (name: string, code: number, failure?: string) => ({ name, code, ms: 1000, ...(failure ? { failure } : {}) });

describe('printRun', () => {
  const one = planRun(runOptions({ detach: true, name: 't' }), config([server('gpu')]), inputs());
  const many = (verbose: boolean) => planRun(runOptions({ detach: true, name: 't', all: true, verbose }), config([server('a'), server('b')]), inputs());
  it.each([
    ['one host, detached: the name alone on stdout', one, { exitCode: 0, job: 't', detached: true, hosts: [host('gpu', 0)] }, 't\n', ''],
    ['several, all started: the name once, no summary', many(false), { exitCode: 0, job: 't', detached: true, hosts: [host('a', 0), host('b', 0)] }, 't\n', ''],
    ['several, one failed: the name, and the summary', many(false), { exitCode: 255, job: 't', detached: true, hosts: [host('a', 0), host('b', 255, 'refused')] }, 't\n', 'mtr: job t on 2 servers:\n  a     exit 0    1.0 s\n  b     exit 255  1.0 s  (refused)\n'],
    ['several, none started: no name', many(false), { exitCode: 2, job: 't', detached: true, hosts: [host('a', 2), host('b', 2)] }, '', 'mtr: job t on 2 servers:'],
    ['-v: the summary also when all went well', many(true), { exitCode: 0, job: 't', detached: true, hosts: [host('a', 0), host('b', 0)] }, 't\n', 'mtr: job t on 2 servers:'],
  ])('%s', (_name, plan, result: RunResult, stdout, stderr) => {
    const { ctx, out, err } = makeContext();
    expect(printRun(ctx, plan, result)).toBe(result.exitCode);
    expect(out()).toBe(stdout);
    if (stderr) expect(err()).toContain(stderr);
    else expect(err()).toBe('');
  });
});

describe('printJobs', () => {
  const kill = planJobs({ ...globals, all: true, action: { kind: 'kill', name: 't' } }, config([server('a'), server('b')]), inputs());
  it('several servers: each answer with its [server] prefix; a failure adds the summary', () => {
    const { ctx, out, err } = makeContext();
    const result: JobsResult = {
      exitCode: 255,
      label: '--kill t',
      fanOut: true,
      hosts: [{ ...host('a', 0), answer: { kind: 'killed', name: 't-a', outcome: { kind: 'stopped', signal: 'INT', code: 130 } } }, host('b', 255, 'connection refused')],
    };
    expect(printJobs(ctx, kill, result)).toBe(255);
    expect(out()).toBe('');
    expect(err()).toBe('[a] mtr: job t-a stopped (SIGINT, exit 130)\nmtr: --kill t on 2 servers:\n  a     exit 0    1.0 s\n  b     exit 255  1.0 s  (connection refused)\n');
  });

  it.each([
    [{ kind: 'timed-out', name: 't', seconds: 2.5 } as const, 'mtr: timed out after 2.5 s waiting for job t (it goes on)\n'],
    [{ kind: 'unmatched', name: 't', status: 3, pattern: 'epoch \\d' } as const, 'mtr: job t ended (exit 3) before its output matched /epoch \\d/\n'],
    [{ kind: 'streamed' } as const, ''],
  ])('--wait %j → stderr %j', (answer, stderr) => {
    const { ctx, out, err } = makeContext();
    const wait = planJobs({ ...globals, action: { kind: 'wait', name: 't' } }, config([server('a')]), inputs());
    printJobs(ctx, wait, { exitCode: 124, label: '--wait t', fanOut: false, hosts: [{ ...host('a', 124), answer }] });
    expect([out(), err()]).toEqual(['', stderr]);
  });

  it('--wait --for: the matching line on stdout', () => {
    const { ctx, out } = makeContext();
    const wait = planJobs({ ...globals, action: { kind: 'wait', name: 't', pattern: 'x' } }, config([server('a')]), inputs());
    printJobs(ctx, wait, { exitCode: 0, label: '--wait t', fanOut: false, hosts: [{ ...host('a', 0), answer: { kind: 'matched', line: 'x=1' } }] });
    expect(out()).toBe('x=1\n');
  });
});

describe('printDryRun', () => {
  it('prints the plan, then ends with the refusal the run would stop with', () => {
    const { ctx, out } = makeContext();
    const plan = planRun(runOptions({ sync: false }), config([server('gpu')]), inputs());
    const refusal = new UsageError('refusing to delete remote files');
    expect(() => printDryRun(ctx, plan, { hosts: plan.hosts.map((run) => ({ run })), refusal })).toThrow(refusal);
    expect(out()).toContain('server:      gpu');
  });
});
