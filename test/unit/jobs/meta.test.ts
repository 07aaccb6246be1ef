import { describe, expect, it } from 'vitest';
import { commandText, formatDuration, formatJobTable, jobsToJson, parseJobList } from '../../../src/jobs/meta.js';

const meta = (name: string, started: string, argv: string[]) => JSON.stringify({ name, argv, server: 'gpu', cwd: '/p', started, mode: 'batch' });
const record = (...fields: string[]) => fields.join('\0') + '\x1e';

describe('parseJobList', () => {
  const out = record('a-1', meta('a-1', '2026-01-01T00:00:00.000Z', ['python', 'train.py']), '0', '1767225610')
    + record('b-2', meta('b-2', '2026-01-02T00:00:00.000Z', ['sleep', '99']), 'running', '')
    + record('c-3', '{broken', 'lost', '');

  it('reads every record, newest first, damaged meta tolerated', () => {
    const jobs = parseJobList(Buffer.from(out));
    expect(jobs.map((j) => [j.name, j.state])).toEqual([
      ['b-2', { kind: 'running' }],
      ['a-1', { kind: 'exited', code: 0 }],
      ['c-3', { kind: 'lost' }],
    ]);
    expect(jobs[1]?.ended).toBe(1767225610);
  });

  it('formats a table and JSON', () => {
    const jobs = parseJobList(out);
    const now = Date.parse('2026-01-02T00:01:30Z');
    const table = formatJobTable(jobs, now);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+STATE\s+STARTED\s+DURATION\s+COMMAND$/);
    expect(table).toContain('running');
    expect(table).toContain('1m30s');
    const json = JSON.parse(jobsToJson(jobs, now));
    expect(json[1]).toMatchObject({ name: 'a-1', state: 'exited', exitCode: 0, command: ['python', 'train.py'], durationSeconds: 10 });
  });

  it('empty output → no jobs', () => {
    expect(parseJobList('')).toEqual([]);
    expect(formatJobTable([], 0)).toBe('no jobs\n');
  });
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
