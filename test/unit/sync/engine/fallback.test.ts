import { describe, expect, it } from 'vitest';
import { FALLBACK_NOTICE, fallsBack, runWithFallback } from '../../../../src/sync/engine/fallback.js';
import type { EngineName } from '../../../../src/sync/engine/types.js';
import { RemoteRsyncMissing } from '../../../../src/sync/rsync/errors.js';
import { SyncError } from '../../../../src/errors.js';

type Sync = 'auto' | 'rsync' | 'sftp';

// Runs the rule with an rsync that fails as given; returns what ran and what was said.
async function attempt(configured: Sync, rsyncFails: Error | undefined, direction: 'push' | 'pull' = 'push', connection?: Promise<unknown>) {
  const ran: EngineName[] = [];
  const told: string[] = [];
  const result = await runWithFallback({
    configured,
    direction,
    engine: configured === 'sftp' ? 'sftp' : 'rsync',
    run: async (engine) => {
      ran.push(engine);
      if (engine === 'rsync' && rsyncFails) throw rsyncFails;
      return `${engine} done`;
    },
    onFallback: (notice) => told.push(notice),
    ...(connection ? { connection } : {}),
  });
  return { ran, told, result };
}

describe('runWithFallback', () => {
  it('auto: a server without rsync is served over SFTP, with one notice per direction', async () => {
    expect(await attempt('auto', new RemoteRsyncMissing('no rsync there'))).toEqual({
      ran: ['rsync', 'sftp'],
      told: ['rsync is not installed on the server; syncing with SFTP'],
      result: { engine: 'sftp', value: 'sftp done', notice: FALLBACK_NOTICE.push },
    });
    const pull = await attempt('auto', new RemoteRsyncMissing('no rsync there'), 'pull');
    expect(pull.told).toEqual(['rsync is not installed on the server; downloading with SFTP']);
  });

  it.each<[string, Sync, Error | undefined, EngineName[]]>([
    ['rsync that works', 'auto', undefined, ['rsync']],
    ['sync: sftp', 'sftp', undefined, ['sftp']],
  ])('%s: no fallback', async (_name, configured, fails, ran) => {
    const got = await attempt(configured, fails);
    expect(got.ran).toEqual(ran);
    expect(got.told).toEqual([]);
    expect(got.result.notice).toBeUndefined();
  });

  it('an explicit sync: rsync never changes engine; other rsync failures stand', async () => {
    await expect(attempt('rsync', new RemoteRsyncMissing('no rsync there'))).rejects.toBeInstanceOf(RemoteRsyncMissing);
    await expect(attempt('auto', new SyncError('disk full'))).rejects.toThrow('disk full');
  });

  it('a failed connection is the error that stands, not rsync', async () => {
    const dropped = Promise.reject(new Error('connection dropped'));
    dropped.catch(() => undefined);
    await expect(attempt('auto', new RemoteRsyncMissing('no rsync there'), 'push', dropped)).rejects.toThrow('connection dropped');
  });

  it('only auto falls back', () => {
    expect([fallsBack('auto'), fallsBack('rsync'), fallsBack('sftp')]).toEqual([true, false, false]);
  });
});
