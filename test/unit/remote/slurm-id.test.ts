import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSlurmIdScript, parseSlurmIdAnswer } from '../../../src/remote/slurm-script.js';

describe('parseSlurmIdAnswer', () => {
  const _ = (text: string, expected: unknown) => it(JSON.stringify(text), () => expect(parseSlurmIdAnswer(text)).toEqual(expected));
  _('id 1234\n', { kind: 'id', jobId: 1234 });
  _('ended 1\nsbatch: error: invalid partition specified: nosuch\n', { kind: 'ended', code: 1, stderr: 'sbatch: error: invalid partition specified: nosuch' });
  _('ended 2\n', { kind: 'ended', code: 2, stderr: '' });
  _('none\n', { kind: 'none' });
  _('', { kind: 'none' });
  _('id \n', { kind: 'none' });
});

// The script itself, in a throwaway HOME with a job folder as the follower leaves it.
describe('buildSlurmIdScript', () => {
  const run = (files: Record<string, string>) => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-slurm-id-'));
    try {
      const dir = path.join(home, '.mtr', 'jobs', 'j');
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
      return parseSlurmIdAnswer(execFileSync('sh', ['-c', buildSlurmIdScript('j', 1)], { env: { ...process.env, HOME: home }, encoding: 'utf8' }));
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  };
  it('the id once sbatch answered', () => expect(run({ 'slurm-id': '77\n', rc: '0\n' })).toEqual({ kind: 'id', jobId: 77 }));
  it('a job that ended first: its code and stderr', () => expect(run({ rc: '1\n', err: 'a\nb\nc\nd\n' })).toEqual({ kind: 'ended', code: 1, stderr: 'b\nc\nd' }));
  it('an empty id file is not an answer yet', () => expect(run({ 'slurm-id': '' })).toEqual({ kind: 'none' }));
  it('no job folder: none', () => expect(parseSlurmIdAnswer(execFileSync('sh', ['-c', buildSlurmIdScript('nosuch', 1)], { env: { ...process.env, HOME: os.tmpdir() }, encoding: 'utf8' }))).toEqual({ kind: 'none' }));
});
