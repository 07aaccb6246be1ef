// The one formatter every ending goes through (src/index.ts: the top-level catch and the
// process-level handlers): one `mtr:` line and a fix, the right exit code, a stack only with --debug.
import { describe, expect, it } from 'vitest';
import { CancelledError, ConnectionError, EXIT, MtrError, SftpUnavailableError, SyncError, UsageError, describeForLog, formatError } from '../../src/errors.js';
import { PromptCancelled } from '../../src/ui/prompt.js';

describe('formatError', () => {
  it.each([
    [new UsageError('bad flag', 'use --x'), 'mtr: bad flag\n  fix: use --x\n', EXIT.usage],
    [new ConnectionError('the connection dropped while listing the jobs'), 'mtr: the connection dropped while listing the jobs\n', EXIT.transport],
    [new SyncError('disk full'), 'mtr: disk full\n', EXIT.sync],
    [new SftpUnavailableError('the server refused an SFTP channel: x'), 'mtr: the server refused an SFTP channel: x\n', EXIT.sync],
    [new PromptCancelled('passphrase'), 'mtr: cancelled at the passphrase prompt\n', EXIT.sigint],
    [new MtrError('job x is still running after SIGKILL', { exitCode: EXIT.failed }), 'mtr: job x is still running after SIGKILL\n', 1],
  ])('%s → its text and exit code', (error, text, exitCode) => {
    expect(formatError(error)).toEqual({ text, exitCode });
  });

  it('a bug (a plain Error, or a thrown non-Error) is one line and a please-report line, exit 1, no stack', () => {
    for (const error of [new TypeError('boom'), 'boom', Object.assign(new Error('boom'), { stack: 'Error: boom\n    at secret (/src/x.ts:1:1)' })]) {
      const { text, exitCode } = formatError(error);
      expect(exitCode).toBe(EXIT.failed);
      expect(text).toBe('mtr: internal error: boom\n  This is a bug; please report it (run with --debug for details).\n');
    }
  });

  it('with --debug, a bug shows its stack, and a typed error the stack of its cause', () => {
    const bug = new TypeError('boom');
    expect(formatError(bug, true).text).toContain(bug.stack!);
    const cause = new Error('ECONNRESET');
    expect(formatError(new ConnectionError('lost', undefined, cause), true).text).toContain(cause.stack!);
    expect(formatError(new ConnectionError('lost', undefined, cause), false).text).toBe('mtr: lost\n');
  });

  it('control bytes in a message never reach the terminal', () => {
    const { text } = formatError(new UsageError('bad \x1b[31mname\x07'));
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('Ctrl+C at any prompt is a CancelledError: 130', () => {
    const cancelled = new PromptCancelled('host key');
    expect(cancelled).toBeInstanceOf(CancelledError);
    expect(cancelled.exitCode).toBe(EXIT.sigint);
    expect(new SftpUnavailableError('x')).toBeInstanceOf(SyncError);
  });
});

describe('describeForLog', () => {
  it('keeps the stack and the causes, for the debug log', () => {
    const root = new Error('socket hang up');
    const text = describeForLog(new ConnectionError('the connection dropped', undefined, root));
    expect(text).toMatch(/^ConnectionError: the connection dropped\n\s+at /);
    expect(text).toContain(`caused by: ${root.stack}`);
    expect(describeForLog('a string')).toBe('a string');
  });

  it('stops after a few causes (a cycle cannot loop it)', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(describeForLog(a).split('caused by:').length).toBe(5);
  });
});
