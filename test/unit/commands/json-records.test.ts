import { describe, expect, it } from 'vitest';
import { answerRecord, getDocument, jobsDocument, runDocument, runRecord, signalOf } from '../../../src/commands/json-records.js';
import type { HostResult } from '../../../src/commands/results.js';
import { HeadTail } from '../../../src/util/head-tail.js';

const bounded = (text: string, max = 1000) => {
  const kept = new HeadTail(max);
  kept.push(Buffer.from(text));
  return kept.result();
};
const sync = { engine: 'rsync' as const, filesSent: 2, bytesSent: 30, deleted: 0, filesTotal: 5, ms: 1234 };

describe('signalOf', () => {
  it.each([
    [137, 'SIGKILL'],
    [130, 'SIGINT'],
    [143, 'SIGTERM'],
    [0, null],
    [1, null],
    [124, null],
    [128, null],
    [255, null],
  ])('%i → %s', (code, name) => expect(signalOf(code)).toBe(name));
});

describe('runRecord', () => {
  const host = (over: Partial<HostResult>): HostResult => ({ name: 'gpu', code: 0, ms: 1500, ...over });

  it('a batch run: output, the log paths, the sync figures', () => {
    const record = runRecord(host({ code: 3, run: { job: 'j', state: 'ended', sync, output: { stdout: bounded('hi\n'), stderr: bounded('') } } }));
    expect(record).toEqual({
      name: 'j',
      server: 'gpu',
      state: 'ended',
      exitCode: 3,
      signal: null,
      durationSeconds: 1.5,
      stdout: 'hi\n',
      stderr: '',
      truncated: false,
      logs: { stdout: '~/.mtr/jobs/j/out', stderr: '~/.mtr/jobs/j/err' },
      sync: { engine: 'rsync', filesSent: 2, bytesSent: 30, seconds: 1.234 },
    });
  });

  it('truncated when either stream lost bytes; sync null without a sync', () => {
    const record = runRecord(host({ code: 137, run: { job: 'j', state: 'ended', sync: null, output: { stdout: bounded('x'.repeat(50), 10), stderr: bounded('') } } }));
    expect(record).toMatchObject({ truncated: true, sync: null, signal: 'SIGKILL' });
  });

  it('-d: name, server, state', () => {
    expect(runRecord(host({ run: { job: 'j', state: 'running', sync } }))).toEqual({ name: 'j', server: 'gpu', state: 'running' });
  });

  it('-d on a Slurm server: and the Slurm job id', () => {
    expect(runRecord(host({ name: 'cluster', run: { job: 'j', state: 'running', sync, slurmJobId: 1234 } }))).toEqual({ name: 'j', server: 'cluster', state: 'running', slurmJobId: 1234 });
  });

  it('a host that never ran: failed, with the reason', () => {
    expect(runRecord(host({ code: 255, failure: 'no route' }))).toEqual({ server: 'gpu', state: 'failed', exitCode: 255, error: 'no route' });
  });

  it('several servers: hosts and the combined code', () => {
    const doc = runDocument({ exitCode: 2, job: 'j', detached: true, hosts: [host({ run: { job: 'j-a', state: 'running', sync: null } }), host({ name: 'b', code: 2, failure: 'x' })] }, true);
    expect(doc).toEqual({ hosts: [{ name: 'j-a', server: 'gpu', state: 'running' }, { server: 'b', state: 'failed', exitCode: 2, error: 'x' }], exitCode: 2 });
  });
});

describe('answerRecord', () => {
  it.each([
    [{ kind: 'matched', name: 'j', line: 'ready' }, 0, { name: 'j', state: 'running', exitCode: 0, matched: true, line: 'ready' }],
    [{ kind: 'unmatched', name: 'j', status: 0, pattern: 'x' }, 1, { name: 'j', state: 'ended', exitCode: 1, matched: false, line: null }],
    [{ kind: 'ended', name: 'j', status: 4 }, 4, { name: 'j', state: 'ended', exitCode: 4, matched: false, line: null }],
    [{ kind: 'timed-out', name: 'j', seconds: 1 }, 124, { name: 'j', state: 'timeout', exitCode: 124, matched: false, line: null }],
    [{ kind: 'screen', name: 'j', text: '$ ', terminal: 'tty', state: 'running' }, 0, { name: 'j', text: '$ ' }],
    [{ kind: 'sent', name: 'j' }, 0, { name: 'j', state: 'running' }],
    [{ kind: 'killed', name: 'j', outcome: { kind: 'stopped', signal: 'INT', code: 130 } }, 0, { name: 'j', state: 'stopped' }],
  ] as const)('%j', (answer, code, record) => expect(answerRecord(answer, code)).toEqual(record));

  it('--logs: both streams and truncated', () => {
    expect(answerRecord({ kind: 'logs', name: 'j', stdout: bounded('o'), stderr: bounded('e'.repeat(40), 10) }, 0)).toMatchObject({ name: 'j', stdout: 'o', truncated: true });
  });

  it('several servers: each record names its server', () => {
    const doc = jobsDocument([{ name: 'a', code: 0, ms: 1, answer: { kind: 'sent', name: 'j' } }, { name: 'b', code: 255, ms: 1, failure: 'down' }], true, 255);
    expect(doc).toEqual({ hosts: [{ name: 'j', state: 'running', server: 'a' }, { server: 'b', state: 'failed', exitCode: 255, error: 'down' }], exitCode: 255 });
  });
});

it('getDocument: files, bytes, path', () => {
  expect(getDocument({ exitCode: 0, download: { localPath: '/x/out', files: 2, bytes: 9 } })).toEqual({ files: 2, bytes: 9, path: '/x/out' });
});
