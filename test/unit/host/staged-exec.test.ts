import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeCommand, execStaged, type RawExec } from '../../../src/host/staged-exec.js';
import type { ExecOptions, HostChannel } from '../../../src/host/types.js';
import { INLINE_COMMAND_LIMIT } from '../../../src/remote/staged-command.js';

// A channel that ends as told once its stdin ends: status null = the link dropped.
function fakeChannel(status: number | null, stderr = ''): HostChannel & { input: () => string } {
  const emitter = new EventEmitter();
  const stdin = new PassThrough();
  const chunks: Buffer[] = [];
  stdin.on('data', (c: Buffer) => chunks.push(c));
  const stdout = new PassThrough();
  const err = new PassThrough();
  stdin.on('end', () => {
    if (stderr) err.write(stderr);
    if (status !== null) emitter.emit('exit', status, undefined);
    emitter.emit('close');
  });
  return Object.assign(emitter, { stdin, stdout, stderr: err, resize: () => undefined, close: () => undefined, input: () => Buffer.concat(chunks).toString() }) as HostChannel & { input: () => string };
}

function recorder(uploadStatus: number | null, stderr = '') {
  const calls: { command: string; options: ExecOptions; channel: ReturnType<typeof fakeChannel> }[] = [];
  const exec: RawExec = async (command, options) => {
    const channel = fakeChannel(calls.length === 0 ? uploadStatus : 0, calls.length === 0 ? stderr : '');
    calls.push({ command, options, channel });
    return channel;
  };
  return { calls, exec };
}

describe('execStaged', () => {
  it('runs a short command as it is, with its options', async () => {
    const { calls, exec } = recorder(0);
    await execStaged(exec, 'echo hi', { pty: { term: 'xterm', cols: 80, rows: 24 } });
    expect(calls.map((c) => [c.command, c.options])).toEqual([['echo hi', { pty: { term: 'xterm', cols: 80, rows: 24 } }]]);
  });

  it('uploads a long command on stdin first, then runs the file with the options', async () => {
    const { calls, exec } = recorder(0);
    const long = `echo ${'x'.repeat(INLINE_COMMAND_LIMIT)}`;
    await execStaged(exec, long, { pty: { term: 'xterm', cols: 1, rows: 1 } });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.options).toEqual({});
    expect(calls[0]!.channel.input()).toContain(long);
    expect(calls[0]!.command.length).toBeLessThan(1000);
    expect(calls[1]!.options).toEqual({ pty: { term: 'xterm', cols: 1, rows: 1 } });
    expect(calls[1]!.command).toMatch(/\.mtr\/stage\/[0-9a-f]{16}/);
  });

  it.each([
    [3, 'mkdir: disk full\n', /\(exit 3: mkdir: disk full\)$/],
    [null, '', /\(the connection dropped\)$/],
  ])('says why the upload failed (status %s) and runs nothing', async (status, stderr, message) => {
    const { calls, exec } = recorder(status, stderr);
    await expect(execStaged(exec, 'x'.repeat(INLINE_COMMAND_LIMIT + 1))).rejects.toThrow(message);
    expect(calls).toHaveLength(1);
  });
});

describe('describeCommand (what a debug line says of a request)', () => {
  it.each([
    ['a one-line command as it is', 'true', 'true'],
    ['the first line of a script, marked as cut', 'command -v tmux\nexit 0', 'command -v tmux …'],
    ['a long line cut at the limit', 'x'.repeat(100), `${'x'.repeat(80)} …`],
    ['an empty command', '', ''],
  ])('%s', (_what, command, expected) => expect(describeCommand(command)).toBe(expected));
});
