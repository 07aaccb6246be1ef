import { describe, expect, it } from 'vitest';
import { ConnectionError, SftpUnavailableError, SyncError } from '../../../src/errors.js';
import { modeAfterFailure, planBatch, recoveryFor, touchesRules, type SyncMode } from '../../../src/watch/batch-plan.js';
import type { ChangeBatch, Removal } from '../../../src/watch/batcher.js';

const batch = (upserts: string[], removals: Removal[] = []): ChangeBatch => ({ upserts, removals, events: upserts.length + removals.length, firstEventAt: 1, lastEventAt: 2, reason: 'quiet' });

describe('touchesRules', () => {
  it.each([
    [['src/a.py'], false],
    [['.gitignore'], true],
    [['src/.gitignore', 'x'], true],
    [['.mtrignore'], true],
    [['src/.mtrignore.bak'], false],
  ])('%j → %s', (paths, expected) => {
    expect(touchesRules(paths)).toBe(expected);
  });
});

describe('planBatch', () => {
  it.each<[string, ChangeBatch, SyncMode, { sync: string; configChanged: boolean; paths: string[] }]>([
    ['changed paths go incrementally', batch(['a.txt'], [{ path: 'old', isDir: false }]), 'incremental', { sync: 'changes', configChanged: false, paths: ['a.txt', 'old'] }],
    ['after an SFTP refusal, a full sync', batch(['a.txt']), 'full-only', { sync: 'full', configChanged: false, paths: ['a.txt'] }],
    ['new ignore rules: rescan and a full sync', batch(['a.txt', 'src/.gitignore']), 'incremental', { sync: 'rules', configChanged: false, paths: ['a.txt', 'src/.gitignore'] }],
    ['rules win over full-only', batch(['.mtrignore']), 'full-only', { sync: 'rules', configChanged: false, paths: ['.mtrignore'] }],
    ['the config alone: said, nothing sent', batch(['.mtr/config.yaml']), 'incremental', { sync: 'none', configChanged: true, paths: [] }],
    ['a removed config is said too', batch(['b.txt'], [{ path: '.mtr/config.yaml', isDir: false }]), 'incremental', { sync: 'changes', configChanged: true, paths: ['b.txt'] }],
  ])('%s', (_name, incoming, mode, expected) => {
    const plan = planBatch(incoming, mode);
    expect({ sync: plan.sync, configChanged: plan.configChanged, paths: plan.paths }).toEqual(expected);
    expect(plan.batch.upserts).not.toContain('.mtr/config.yaml');
    expect(plan.batch.removals.map((r) => r.path)).not.toContain('.mtr/config.yaml');
    expect(plan.batch.firstEventAt).toBe(incoming.firstEventAt);
  });
});

describe('recoveryFor', () => {
  const syncFailed = new SyncError('permission denied');
  it.each([
    [{ error: syncFailed, stopping: false, connected: true }, 'retry-full'],
    [{ error: syncFailed, stopping: true, connected: true }, 'leave'],
    [{ error: syncFailed, stopping: false, connected: false }, 'leave'],
    [{ error: new ConnectionError('connection lost'), stopping: false, connected: true }, 'leave'],
    [{ error: new Error('EACCES'), stopping: false, connected: true }, 'retry-full'],
  ] as const)('%j → %s', (failed, expected) => {
    expect(recoveryFor(failed)).toBe(expected);
  });
});

describe('modeAfterFailure', () => {
  it.each<[SyncMode, unknown, SyncMode]>([
    ['incremental', new SftpUnavailableError('the server refused an SFTP channel'), 'full-only'],
    ['incremental', new SyncError('permission denied'), 'incremental'],
    ['full-only', new Error('x'), 'full-only'],
  ])('%s after %s → %s', (mode, error, expected) => {
    expect(modeAfterFailure(mode, error)).toBe(expected);
  });
});
