import { describe, expect, it } from 'vitest';
import { planInvocation } from '../../src/cli-plan.js';

describe('planInvocation', () => {
  it.each([
    [{}, ['ls'], { kind: 'run', options: { command: ['ls'], detach: false, dryRun: false } }],
    [{ detach: true, name: 'train' }, ['python', 'x.py'], { kind: 'run', options: { detach: true, name: 'train' } }],
    [{ init: true, force: true }, [], { kind: 'init', options: { force: true } }],
    [{ jobs: true, json: true }, [], { kind: 'job', options: { action: { kind: 'list', json: true, allProjects: false } } }],
    [{ jobs: true, allProjects: true }, [], { kind: 'job', options: { action: { kind: 'list', json: false, allProjects: true } } }],
    [{ logs: 'a', follow: true, tail: '20' }, [], { kind: 'job', options: { action: { kind: 'logs', name: 'a', follow: true, tail: 20 } } }],
    [{ wait: 'a', for: 'ready', timeout: '30' }, [], { kind: 'job', options: { action: { kind: 'wait', name: 'a', pattern: 'ready', timeoutSeconds: 30 } } }],
    [{ kill: 'a' }, [], { kind: 'job', options: { action: { kind: 'kill', name: 'a' } } }],
    [{ attach: 'a' }, [], { kind: 'job', options: { action: { kind: 'attach', name: 'a' } } }],
    [{ completion: 'fish' }, [], { kind: 'completion', shell: 'fish' }],
    [{ doctor: true, server: 'gpu' }, [], { kind: 'doctor', options: { server: 'gpu' } }],
    [{ complete: 'servers' }, [], { kind: 'complete', what: 'servers' }],
    [{ logs: 'a', tail: '0' }, [], { kind: 'job', options: { action: { kind: 'logs', name: 'a', tail: 0 } } }],
    [{ logs: 'a', tail: '2147483647' }, [], { kind: 'job', options: { action: { kind: 'logs', name: 'a', tail: 2147483647 } } }],
    [{ wait: 'a', timeout: '2.5' }, [], { kind: 'job', options: { action: { kind: 'wait', name: 'a', timeoutSeconds: 2.5 } } }],
    [{ parallel: '3' }, ['ls'], { kind: 'run', options: { parallel: 3 } }],
    [{ name: 'A-b_9' }, ['ls'], { kind: 'run', options: { name: 'A-b_9' } }],
  ])('%j %j', (flags, command, expected) => {
    expect(planInvocation(flags, command)).toMatchObject(expected);
  });

  it.each([
    [{ force: true }, ['ls'], /--force only applies to --init/],
    [{ init: true }, ['ls'], /--init takes no command/],
    [{ jobs: true, kill: 'a' }, [], /choose one of --jobs, --kill/],
    [{ follow: true }, ['ls'], /--follow only applies to --logs/],
    [{ allProjects: true }, ['ls'], /--all-projects only applies to --jobs/],
    [{ logs: 'a', allProjects: true }, [], /--all-projects only applies to --jobs/],
    [{ logs: 'a', tail: 'many' }, [], /--tail expects a whole number from 0 to 2147483647, got "many"/],
    [{ logs: 'a', tail: '999999999999999999999' }, [], /--tail expects a whole number from 0 to 2147483647, got "999999999999999999999"/],
    [{ logs: 'a', tail: '2147483648' }, [], /--tail expects a whole number/],
    [{ logs: 'a', tail: '1e3' }, [], /--tail expects a whole number/],
    [{ logs: 'a', tail: '-1' }, [], /--tail expects a whole number/],
    [{ logs: 'a', tail: '2.5' }, [], /--tail expects a whole number/],
    [{ logs: 'a', tail: '' }, [], /--tail expects a whole number/],
    [{ logs: 'a', tail: ' 5' }, [], /--tail expects a whole number/],
    [{ logs: 'a', tail: '0x10' }, [], /--tail expects a whole number/],
    [{ parallel: '0' }, ['ls'], /--parallel expects a whole number from 1 to 2147483647, got "0"/],
    [{ parallel: 'Infinity' }, ['ls'], /--parallel expects a whole number/],
    [{ wait: 'a', timeout: '0' }, [], /--timeout expects seconds, more than 0 and at most 2147483, got "0"/],
    [{ wait: 'a', timeout: '99999999999' }, [], /--timeout expects seconds/],
    [{ wait: 'a', timeout: '1e3' }, [], /--timeout expects seconds/],
    [{ wait: 'a', timeout: '-5' }, [], /--timeout expects seconds/],
    [{ name: '' }, ['ls'], /^invalid job name "" for --name$/],
    [{ name: '-rf' }, ['ls'], /invalid job name "-rf" for --name/],
    [{ name: 'x'.repeat(65) }, ['ls'], /invalid job name/],
    [{ name: 'a b' }, ['ls'], /invalid job name "a b" for --name/],
    [{ watch: true, name: '' }, ['x'], /invalid job name "" for --name/],
    [{ logs: '' }, [], /invalid job name "" for --logs/],
    [{ attach: '' }, [], /invalid job name "" for --attach/],
    [{ wait: '' }, [], /invalid job name "" for --wait/],
    [{ kill: '' }, [], /invalid job name "" for --kill/],
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
