// buildReadOutputScript run for real by sh (and dash when present) in a HOME of its own: the size
// line, the slice after an offset, the last lines, a log not written yet, an unknown job.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReadOutputScript, parseReadOutput, type OutputRead } from '../../../src/remote/job-output-script.js';

let home: string;
const SHELLS = ['sh', ...(spawnSync('sh', ['-c', 'command -v dash']).status === 0 ? ['dash'] : [])];

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-out-'));
  fs.mkdirSync(path.join(home, '.mtr', 'jobs', 'j1'), { recursive: true });
  fs.writeFileSync(path.join(home, '.mtr', 'jobs', 'j1', 'out'), 'one\ntwo\nthree\n');
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function read(shell: string, name: string, stream: 'out' | 'err', how: OutputRead) {
  const result = spawnSync(shell, ['-c', buildReadOutputScript(name, stream, how)], { env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  return { code: result.status, parsed: parseReadOutput(result.stdout), stderr: result.stderr.toString() };
}

describe.each(SHELLS)('buildReadOutputScript (%s)', (shell) => {
  it.each([
    [{ kind: 'all' }, 14, 'one\ntwo\nthree\n'],
    [{ kind: 'tail', lines: 2 }, 14, 'two\nthree\n'],
    [{ kind: 'since', offset: 4, maxBytes: 100 }, 14, 'two\nthree\n'],
    [{ kind: 'since', offset: 4, maxBytes: 3 }, 14, 'two'],
    [{ kind: 'since', offset: 14, maxBytes: 100 }, 14, ''],
    [{ kind: 'since', offset: 99, maxBytes: 100 }, 14, ''],
    [{ kind: 'since', offset: 0, maxBytes: 100 }, 14, 'one\ntwo\nthree\n'],
  ] as const)('%j → size %d, %j', (how, size, text) => {
    const { code, parsed } = read(shell, 'j1', 'out', how);
    expect(code).toBe(0);
    expect(parsed?.size).toBe(size);
    expect(parsed?.bytes.toString()).toBe(text);
  });

  it('a log not written yet is empty', () => {
    expect(read(shell, 'j1', 'err', { kind: 'all' }).parsed).toEqual({ size: 0, bytes: Buffer.alloc(0) });
  });

  it('an unknown job exits 2 with a message', () => {
    const { code, stderr } = read(shell, 'nope', 'out', { kind: 'all' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/no job named nope/);
  });
});

describe('parseReadOutput', () => {
  it.each([
    ['12\nabc', { size: 12, bytes: Buffer.from('abc') }],
    ['0\n', { size: 0, bytes: Buffer.alloc(0) }],
    ['x\nabc', undefined],
    ['12', undefined],
  ])('%j → %j', (stdout, expected) => {
    expect(parseReadOutput(Buffer.from(stdout))).toEqual(expected);
  });
});
