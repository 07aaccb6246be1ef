import { describe, expect, it } from 'vitest';
import { commandText, formatDuration, formatJobTable, inProject, jobsToJson, parseEpoch, parseJobList } from '../../../src/jobs/meta.js';

const meta = (name: string, started: string, argv: string[]) => JSON.stringify({ name, argv, server: 'gpu', cwd: '/p', started, mode: 'batch' });
const record = (...fields: string[]) => fields.join('\0') + '\x1e';

describe('parseEpoch', () => {
  it.each([
    ['1767225610', 1767225610],
    ['1767225610.5', 1767225610.5],
    ['1767225610.123456789\n', 1767225610.123],
    ['1767225610.1239', 1767225610.123],
    [' 1767225610.25 ', 1767225610.25],
  ])('%j → %d', (text, seconds) => expect(parseEpoch(text)).toBeCloseTo(seconds, 6));

  it.each(['', 'N', '1767225610.N', '.5', '1767225610.', '-1', '1e9', undefined])('%j → undefined', (text) => {
    expect(parseEpoch(text)).toBeUndefined();
  });
});

describe('parseJobList', () => {
  // The server's time first; then name, meta, state, ended, started (server clock), project, kind.
  const out = '1767312090.000\x1e'
    + record('a-1', meta('a-1', '2026-01-01T00:00:00.000Z', ['python', 'train.py']), '0', '1767225610.250', '1767225600.125', '/home/u/p', 'batch')
    + record('b-2', meta('b-2', '2026-01-02T00:00:00.000Z', ['sleep', '99']), 'running', '', '1767312000.000', '/home/u/p', 'tty')
    + record('c-3', '{broken', 'lost', '', '', '')
    // An older mtr's record: whole seconds, no started file, no project: the client's start time.
    + record('d-4', meta('d-4', '2025-12-31T00:00:00.500Z', ['true']), '0', '1767139201', '', '');

  it('reads every record, newest first, damaged meta tolerated, times to the millisecond', () => {
    const { jobs, now } = parseJobList(Buffer.from(out));
    expect(now).toBe(1767312090);
    expect(jobs.map((j) => [j.name, j.state])).toEqual([
      ['b-2', { kind: 'running' }],
      ['a-1', { kind: 'exited', code: 0 }],
      ['d-4', { kind: 'exited', code: 0 }],
      ['c-3', { kind: 'lost' }],
    ]);
    expect(jobs[1]).toMatchObject({ started: 1767225600.125, ended: 1767225610.25, project: '/home/u/p' });
    expect(jobs[2]).toMatchObject({ started: 1767139200.5, ended: 1767139201 });
    expect(jobs[2]?.project).toBeUndefined();
  });

  it('formats a table and JSON: ms-precise ISO times, durations by the server clock', () => {
    const list = parseJobList(out);
    const clientNow = Date.parse('2030-01-01T00:00:00Z'); // far off: the server's clock is used
    const table = formatJobTable(list, clientNow);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+STATE\s+STARTED\s+DURATION\s+COMMAND$/);
    expect(table).toMatch(/^b-2\s+running\s+2026-01-02 00:00:00Z\s+1m30s\s+sleep 99$/m);
    const json = JSON.parse(jobsToJson(list, clientNow));
    expect(json[1]).toEqual({
      name: 'a-1',
      state: 'exited',
      exitCode: 0,
      command: ['python', 'train.py'],
      server: 'gpu',
      project: '/home/u/p',
      cwd: '/p',
      mode: 'batch',
      kind: 'batch',
      tty: false,
      started: '2026-01-01T00:00:00.125Z',
      ended: '2026-01-01T00:00:10.250Z',
      durationSeconds: 10.125,
      slurm: null,
    });
    expect(json[0]).toMatchObject({ name: 'b-2', durationSeconds: 90, ended: null, kind: 'tty', tty: true });
    expect(json[3]).toMatchObject({ name: 'c-3', project: null, started: null, durationSeconds: null });
  });

  it('a Slurm job: its id, state and nodes in the table and the JSON', () => {
    const list = parseJobList(
      '1767312090.000\x1e' +
        record('s-1', meta('s-1', '2026-01-02T00:00:00.000Z', ['python', 'train.py']), 'running', '', '1767312000.000', '/p', 'batch', '1234 RUNNING n[1-2]') +
        record('s-2', meta('s-2', '2026-01-01T00:00:00.000Z', ['true']), '', '', '1767225600.000', '/p', 'batch', '1235 PENDING ') +
        record('p-3', meta('p-3', '2025-12-01T00:00:00.000Z', ['true']), '0', '', '1764547200.000', '/p', 'batch', ''),
    );
    expect(list.jobs.map((job) => job.slurm)).toEqual([{ jobId: '1234', state: 'RUNNING', nodes: 'n[1-2]' }, { jobId: '1235', state: 'PENDING', nodes: '' }, undefined]);
    const table = formatJobTable(list, 0);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+STATE\s+SLURM\s+STARTED/);
    expect(table).toMatch(/^s-1\s+running\s+1234 RUNNING n\[1-2\]\s+2026/m);
    expect(table).toMatch(/^p-3\s+exited 0\s+-\s+2025/m);
    const json = JSON.parse(jobsToJson(list, 0));
    expect(json.map((job: { slurm: unknown }) => job.slurm)).toEqual([{ jobId: 1234, state: 'RUNNING', nodes: 'n[1-2]' }, { jobId: 1235, state: 'PENDING', nodes: null }, null]);
  });

  it('without the time header (nothing listed) and empty output → no jobs', () => {
    expect(parseJobList('')).toEqual({ jobs: [] });
    expect(parseJobList('1767312090.5\x1e')).toEqual({ jobs: [], now: 1767312090.5 });
    expect(formatJobTable({ jobs: [] }, 0)).toBe('no jobs\n');
  });
});

describe('inProject (records of a list the server filtered by project)', () => {
  const job = (cwd: string | undefined, project?: string) => ({ name: 'j', meta: cwd === undefined ? {} : { cwd }, state: { kind: 'lost' } as const, ...(project ? { project } : {}) });
  it.each([
    [job('~/p', '/home/u/p'), '~/p', true],
    [job('~/p'), '~/p', true],
    [job('~/p/sub'), '~/p', true],
    [job('~/p2'), '~/p', false],
    [job('/srv/p/x'), '/srv/p', true],
    [job('~/anything'), '~', true],
    [job('/srv/x'), '~', false],
    [job(undefined), '~/p', false],
  ])('%j in %s → %s', (info, dir, expected) => expect(inProject(info, dir)).toBe(expected));
});

describe('formatDuration / commandText', () => {
  it.each([
    [5, '5s'],
    [90, '1m30s'],
    [3600 * 2 + 60 * 5, '2h05m'],
  ])('%d s → %s', (s, text) => expect(formatDuration(s)).toBe(text));

  it.each([
    [['ls', '-la'], 'ls -la'],
    [['echo', 'a b'], 'echo "a b"'],
    [['make && run'], 'make && run'],
  ])('%j → %s', (argv, text) => expect(commandText(argv)).toBe(text));
});
