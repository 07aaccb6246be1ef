import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { checkOneServer, commandArgv, getRequest, jobRequest, mcpDefaults, startRequest, syncRequest } from '../../../src/mcp/requests.js';

const defaults = mcpDefaults({ reuse: true, debug: false, enableLog: false });

describe('mcpDefaults', () => {
  it.each([
    [{ reuse: true, debug: false, enableLog: false }, { reuse: true, debug: false, enableLog: false, sync: true }],
    [{ reuse: false, debug: true, enableLog: false, server: 'gpu', sync: false }, { reuse: false, debug: true, enableLog: false, server: 'gpu', sync: false }],
  ])('%j → %j', (options, expected) => {
    expect(mcpDefaults(options)).toEqual(expected);
  });
});

describe('commandArgv', () => {
  it.each([
    ['make && ./run', ['make && ./run']],
    [['python3', 'a b.py'], ['python3', 'a b.py']],
  ])('%j → %j', (command, argv) => {
    expect(commandArgv(command)).toEqual(argv);
  });
  it.each([[[]], [['']], ['']])('%j is refused', (command) => {
    expect(() => commandArgv(command)).toThrow(UsageError);
  });
});

describe('startRequest', () => {
  it('a detached job, synced by default, batch unless tty', () => {
    expect(startRequest(defaults, { command: 'ls' })).toEqual({
      kind: 'run',
      options: { reuse: true, debug: false, enableLog: false, sync: true, tty: false, dryRun: false, detach: true, deleteRemote: false, quiet: true, verbose: false, command: ['ls'] },
    });
  });
  it('tty: a terminal job of the default size; the call\'s server and sync win over the defaults', () => {
    const { options } = startRequest({ ...defaults, server: 'a', sync: false }, { command: ['python3'], tty: true, server: 'b', sync: true, name: 'repl' });
    expect(options).toMatchObject({ tty: true, size: { cols: 120, rows: 40 }, server: 'b', sync: true, name: 'repl', detach: true });
  });
  it('the default server and sync apply when the call names none', () => {
    expect(startRequest({ ...defaults, server: 'a', sync: false }, { command: 'ls' }).options).toMatchObject({ server: 'a', sync: false });
  });
});

describe('the other requests', () => {
  it('sync: a run\'s plan that syncs whatever the default', () => {
    expect(syncRequest({ ...defaults, sync: false }, 'gpu').options).toMatchObject({ server: 'gpu', sync: true, command: ['true'] });
  });
  it('a job command: one action, --json records, no terminal', () => {
    expect(jobRequest(defaults, undefined, { kind: 'kill', name: 'x' })).toEqual({
      kind: 'job',
      options: { reuse: true, debug: false, enableLog: false, tty: false, json: true, maxOutput: 262_144, action: { kind: 'kill', name: 'x' } },
    });
  });
  it('get: the remote path and where to put it', () => {
    expect(getRequest(defaults, { remote: 'out', to: 'res' }).options).toMatchObject({ remotePath: 'out', to: 'res', sync: true, json: true, dryRun: false });
  });
});

describe('checkOneServer', () => {
  it('one server passes; several are refused with a fix', () => {
    expect(() => checkOneServer(['a'])).not.toThrow();
    const refusal = (() => {
      try {
        checkOneServer(['a', 'b']);
      } catch (error) {
        return error as UsageError;
      }
    })();
    expect(refusal).toBeInstanceOf(UsageError);
    expect(refusal?.message).toBe('the MCP tools act on one server, and this names 2 (a, b)');
    expect(refusal?.hint).toBeTruthy();
  });
});
