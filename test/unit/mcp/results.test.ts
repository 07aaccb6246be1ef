import { describe, expect, it } from 'vitest';
import type { JobsResult } from '../../../src/commands/results.js';
import { ConnectionError, UsageError } from '../../../src/errors.js';
import { answerOf, outputRecord, syncRecord, toolError, toolResult } from '../../../src/mcp/results.js';

describe('toolResult', () => {
  it('structuredContent and the same as JSON text', () => {
    expect(toolResult({ name: 'j', state: 'running' })).toEqual({ structuredContent: { name: 'j', state: 'running' }, content: [{ type: 'text', text: '{"name":"j","state":"running"}' }] });
  });
});

describe('toolError', () => {
  it.each([
    [new UsageError('no job named x on test', 'see `mtr --jobs`'), 'mtr: no job named x on test\n  fix: see `mtr --jobs`'],
    [new ConnectionError('connection lost'), 'mtr: connection lost'],
    [new Error('boom'), 'mtr: internal error: boom\n  This is a bug; please report it (run with --debug for details).'],
  ])('%s → the CLI\'s lines', (error, text) => {
    expect(toolError(error)).toEqual({ isError: true, content: [{ type: 'text', text }] });
  });
});

describe('answerOf', () => {
  const result = (answer: JobsResult['hosts'][number]['answer']): JobsResult => ({ exitCode: 0, label: '--wait j', fanOut: false, hosts: [{ name: 'test', code: 0, ms: 1, ...(answer ? { answer } : {}) }] });
  it('the one server\'s answer', () => {
    expect(answerOf(result({ kind: 'sent', name: 'j' }))).toEqual({ answer: { kind: 'sent', name: 'j' }, code: 0, server: 'test' });
  });
  it.each([[{ kind: 'streamed' } as const], [undefined]])('%j: the link dropped', (answer) => {
    expect(() => answerOf(result(answer))).toThrow(ConnectionError);
  });
});

describe('records', () => {
  it('syncRecord: seconds from ms', () => {
    expect(syncRecord({ engine: 'rsync', filesSent: 2, bytesSent: 10, deleted: 0, filesTotal: 5, ms: 1234.5 })).toEqual({ engine: 'rsync', filesSent: 2, bytesSent: 10, seconds: 1.235, filesTotal: 5, deleted: 0 });
  });
  it('outputRecord: truncated when either stream is', () => {
    const slice = (text: string, truncated: boolean, nextOffset: number) => ({ bytes: Buffer.from(text), truncated, nextOffset });
    expect(outputRecord({ name: 'j', server: 't', stdout: slice('a', false, 1), stderr: slice('b', true, 9) })).toEqual({ stdout: 'a', stderr: 'b', truncated: true, nextOffset: 1, nextStderrOffset: 9 });
  });
});
