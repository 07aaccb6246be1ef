import { describe, expect, it } from 'vitest';
import { formatNotice, printNotices, type SyncNotice } from '../../../src/sync/notice.js';

describe('sync notices', () => {
  const engine: SyncNotice = { kind: 'engine', engine: 'sftp', text: 'rsync is not installed here; syncing with SFTP' };
  const unsendable: SyncNotice = { kind: 'unsendable', text: 'SFTP did not send 1 file whose names are not valid UTF-8' };

  it.each([engine, unsendable])('formats $kind as its text, without the mtr: lead', (notice) => {
    expect(formatNotice(notice)).toBe(notice.text);
  });

  it('prints each notice as one `mtr: ` line, as runs always showed them', () => {
    const written: string[] = [];
    const notify = printNotices({ write: (text: string) => written.push(text) > 0 });
    notify(engine);
    notify(unsendable);
    expect(written).toEqual([`mtr: ${engine.text}\n`, `mtr: ${unsendable.text}\n`]);
  });
});
