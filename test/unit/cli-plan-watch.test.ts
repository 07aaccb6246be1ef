import { describe, expect, it } from 'vitest';
import { planInvocation } from '../../src/cli-plan.js';

describe('planInvocation: --watch', () => {
  it.each([
    [{ watch: true }, [], { kind: 'watch', options: { command: [], deleteRemote: false, quiet: false } }],
    [{ watch: true, delete: true, quiet: true, server: 'gpu' }, [], { kind: 'watch', options: { command: [], deleteRemote: true, quiet: true, server: 'gpu' } }],
    [{ watch: true, name: 'dev' }, ['python', 'app.py'], { kind: 'watch', options: { command: ['python', 'app.py'], name: 'dev' } }],
    [{ watch: true, tty: false }, ['pytest'], { kind: 'watch', options: { command: ['pytest'], tty: false } }],
    [{ watch: true, tty: true }, [], { kind: 'watch', options: { tty: true } }],
    [{ watch: true, dryRun: true }, ['pytest'], { kind: 'watch', options: { dryRun: true, command: ['pytest'] } }],
  ])('%j %j', (flags, command, expected) => {
    expect(planInvocation(flags, command)).toMatchObject(expected);
  });

  it.each([
    [{ watch: true, sync: false }, [], /--watch syncs on every change/],
    [{ watch: true, detach: true }, ['x'], /cannot be combined with --detach/],
    [{ watch: true, tty: true }, ['x'], /drop --tty/],
    [{ watch: true, get: 'out' }, [], /choose one of --get, --watch/],
    [{ watch: true, jobs: true }, [], /choose one of --jobs, --watch/],
  ])('refuses %j %j', (flags, command, message) => {
    expect(() => planInvocation(flags, command)).toThrow(message);
  });
});
