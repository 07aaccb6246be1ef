import { describe, expect, it } from 'vitest';
import { chooseEngine, type EngineFacts } from '../../../../src/sync/engine/choose.js';
import type { RsyncVersion } from '../../../../src/sync/rsync/version.js';

const gnu: RsyncVersion = { major: 3, minor: 2, patch: 7, openrsync: false };
const openrsync: RsyncVersion = { major: 2, minor: 6, patch: 9, openrsync: true };
const facts = (over: Partial<EngineFacts>): EngineFacts => ({ configured: 'auto', localRsync: gnu, usesPassword: false, hasSshpass: false, ...over });

describe('chooseEngine', () => {
  it.each<[string, Partial<EngineFacts>, string, string | undefined]>([
    ['auto with rsync here', {}, 'rsync', undefined],
    ['auto, password, no sshpass, GNU rsync (rides the open connection)', { usesPassword: true }, 'rsync', undefined],
    ['auto, password, no sshpass, openrsync (needs its own ssh)', { usesPassword: true, localRsync: openrsync }, 'sftp', 'password login without sshpass installed; syncing with SFTP'],
    ['auto, password, sshpass, openrsync', { usesPassword: true, hasSshpass: true, localRsync: openrsync }, 'rsync', undefined],
    ['auto without rsync here', { localRsync: undefined }, 'sftp', 'rsync is not installed here; syncing with SFTP'],
    ['explicit rsync never changes', { configured: 'rsync', localRsync: undefined }, 'rsync', undefined],
    ['explicit sftp', { configured: 'sftp' }, 'sftp', undefined],
  ])('%s', (_name, over, engine, notice) => {
    expect(chooseEngine(facts(over))).toEqual(notice ? { engine, notice } : { engine });
  });
});
