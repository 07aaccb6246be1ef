// What `--kill` reports, from the kill script's one line (remote/job-script.ts buildKillScript).
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { describeKillOutcome, parseKillOutcome, stuckJobError } from '../../../src/jobs/kill-outcome.js';

describe('parseKillOutcome', () => {
  it.each([
    ['ended 3\n', { kind: 'ended', code: 3 }],
    ['ended \n', { kind: 'ended' }],
    ['ended\n', { kind: 'ended' }],
    ['INT 130\n', { kind: 'stopped', signal: 'INT', code: 130 }],
    ['TERM 143\n', { kind: 'stopped', signal: 'TERM', code: 143 }],
    ['KILL 137\n', { kind: 'stopped', signal: 'KILL', code: 137 }],
    ['INT \n', { kind: 'stopped', signal: 'INT' }],
    ['unstarted\n', { kind: 'unstarted' }],
    ['alive 4242\n', { kind: 'alive', group: 4242 }],
    // A login banner or a noisy dotfile before it: the last line decides.
    ['Welcome!\nTERM 143\n', { kind: 'stopped', signal: 'TERM', code: 143 }],
  ])('%j → %j', (stdout, outcome) => {
    expect(parseKillOutcome(stdout)).toEqual(outcome);
  });

  it.each(['', '\n', 'stopped\n', 'exit 0\n'])('%j is no outcome', (stdout) => {
    expect(parseKillOutcome(stdout)).toBeUndefined();
  });

  it('a code that is not a number is no code', () => {
    expect(parseKillOutcome('TERM x\n')).toEqual({ kind: 'stopped', signal: 'TERM' });
  });
});

describe('describeKillOutcome', () => {
  it.each([
    [{ kind: 'stopped', signal: 'INT', code: 130 }, 'job train stopped (SIGINT, exit 130)'],
    [{ kind: 'stopped', signal: 'KILL' }, 'job train stopped (SIGKILL)'],
    [{ kind: 'ended', code: 0 }, 'job train had already ended (exit 0); nothing to stop'],
    [{ kind: 'ended' }, 'job train had already ended (no exit code recorded); nothing to stop'],
    [{ kind: 'unstarted' }, 'job train had no process to stop (it never started); its session is closed'],
  ] as const)('%j', (outcome, line) => {
    expect(describeKillOutcome('train', outcome)).toBe(line);
  });

  it('a job that outlived SIGKILL is an error (exit 1) that says where to look', () => {
    const error = stuckJobError('train', 4242);
    expect({ message: error.message, exitCode: error.exitCode }).toEqual({ message: 'job train is still running after SIGKILL', exitCode: EXIT.failed });
    expect(error.hint).toContain('-g 4242');
  });
});
