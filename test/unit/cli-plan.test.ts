import { describe, expect, it } from 'vitest';
import { planInvocation } from '../../src/cli-plan.js';

describe('planInvocation', () => {
  it.each([
    [{}, ['ls'], { kind: 'run', options: { command: ['ls'], detach: false, dryRun: false } }],
    [{ detach: true, name: 'train' }, ['python', 'x.py'], { kind: 'run', options: { detach: true, name: 'train' } }],
    [{ init: true, force: true }, [], { kind: 'init', options: { force: true } }],
    [{ jobs: true, json: true }, [], { kind: 'job', options: { action: { kind: 'list', json: true } } }],
    [{ logs: 'a', follow: true, tail: '20' }, [], { kind: 'job', options: { action: { kind: 'logs', name: 'a', follow: true, tail: 20 } } }],
    [{ wait: 'a', for: 'ready', timeout: '30' }, [], { kind: 'job', options: { action: { kind: 'wait', name: 'a', pattern: 'ready', timeoutSeconds: 30 } } }],
    [{ kill: 'a' }, [], { kind: 'job', options: { action: { kind: 'kill', name: 'a' } } }],
    [{ attach: 'a' }, [], { kind: 'job', options: { action: { kind: 'attach', name: 'a' } } }],
    [{ completion: 'fish' }, [], { kind: 'completion', shell: 'fish' }],
    [{ doctor: true, server: 'gpu' }, [], { kind: 'doctor', options: { server: 'gpu' } }],
    [{ complete: 'servers' }, [], { kind: 'complete', what: 'servers' }],
  ])('%j %j', (flags, command, expected) => {
    expect(planInvocation(flags, command)).toMatchObject(expected);
  });

  it.each([
    [{ force: true }, ['ls'], /--force only applies to --init/],
    [{ init: true }, ['ls'], /--init takes no command/],
    [{ jobs: true, kill: 'a' }, [], /choose one of --jobs, --kill/],
    [{ follow: true }, ['ls'], /--follow only applies to --logs/],
    [{ logs: 'a', tail: 'many' }, [], /--tail expects a non-negative number/],
    [{ wait: 'a', for: '(' }, [], /--for is not a valid regular expression/],
    [{ kill: 'a' }, ['extra'], /--kill takes no command/],
    [{ completion: 'csh' }, [], /--completion supports bash, zsh, fish, not "csh"/],
    [{ completion: 'bash' }, ['ls'], /--completion takes no command/],
    [{ completion: 'bash', jobs: true }, [], /choose one of --jobs, --completion/],
    [{ complete: 'hosts' }, [], /--complete takes servers or jobs/],
    [{ doctor: true }, ['ls'], /--doctor takes no command/],
  ])('refuses %j %j', (flags, command, message) => {
    expect(() => planInvocation(flags, command)).toThrow(message);
  });
});
