import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nullLogger } from '../../../../src/log.js';
import { RemoteRsyncNoNanoseconds } from '../../../../src/sync/rsync/errors.js';
import { pickDoubtful, sendWithRsync, type RunPass } from '../../../../src/sync/rsync/send.js';
import type { LocalEntry, ScannedEntry, ScannedTree } from '../../../../src/sync/types.js';

const file = (p: string, raw?: Buffer): LocalEntry => ({ path: p, type: 'file', size: 0, mtime: 0, mode: 0o644, ...(raw ? { raw } : {}) });
const key = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('latin1');

describe('pickDoubtful', () => {
  it('keeps the changed files the first pass did not name, by their bytes', () => {
    const raw = Buffer.from([0x78, 0xff]);
    const changed = [file('a.py'), file('sub/ü.txt'), file('x\uFFFD', raw), file('b.py')];
    const sent = new Set([key('a.py'), key('sub/ü.txt'), key(raw)]);
    expect(pickDoubtful(changed, sent).map((e) => e.path)).toEqual(['b.py']);
  });
});

// The passes it runs, against a real tree on disk (the lstat of the changed files is real; rsync is not).
describe('sendWithRsync', () => {
  const temps: string[] = [];
  afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  function fixture(): { tree: ScannedTree; since: number } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-send-'));
    temps.push(root);
    const T0 = 1_700_000_000;
    for (const [rel, t] of [['old.py', T0 - 60], ['edited.py', T0 + 1], ['raced.py', T0 + 2]] as const) {
      fs.writeFileSync(path.join(root, rel), rel);
      fs.utimesSync(path.join(root, rel), t, t);
    }
    const entries = ['edited.py', 'old.py', 'raced.py'].map((p) => file(p));
    return { tree: { kind: 'scanned', root, entries, excludedCount: 0 }, since: T0 * 1000 };
  }

  function recorder(sentByFirst: string[], refuseNs = false) {
    const passes: { recheck: boolean; list: string[]; ns?: true }[] = [];
    const run: RunPass = async (pass) => {
      passes.push({ recheck: Boolean(pass.recheck), list: pass.recheck ? pass.excludeList.toString('latin1').split('\0').filter(Boolean) : [], ...(pass.nanosecondWindow ? { ns: true as const } : {}) });
      if (pass.nanosecondWindow && refuseNs) throw new RemoteRsyncNoNanoseconds('refused');
      if (!pass.recheck) for (const name of sentByFirst) pass.onSentFile?.(Buffer.from(name));
      return { filesSent: pass.recheck ? 1 : sentByFirst.length, bytesSent: 10 };
    };
    return { passes, run };
  }

  it('no record: one pass, nothing asked about names', async () => {
    const { tree } = fixture();
    const { passes, run } = recorder([]);
    expect(await sendWithRsync({ tree, run, log: nullLogger })).toEqual({ filesSent: 0, bytesSent: 10 });
    expect(passes).toEqual([{ recheck: false, list: [] }]);
  });

  it('every file changed since the last sync began was sent: one pass', async () => {
    const { tree, since } = fixture();
    const { passes, run } = recorder(['edited.py', 'raced.py']);
    await sendWithRsync({ tree, run, log: nullLogger, changedSinceMs: since });
    expect(passes).toHaveLength(1);
  });

  it('a changed file the first pass skipped gets the second look, alone', async () => {
    const { tree, since } = fixture();
    const { passes, run } = recorder(['edited.py']);
    expect(await sendWithRsync({ tree, run, log: nullLogger, changedSinceMs: since })).toEqual({ filesSent: 2, bytesSent: 20 });
    expect(passes).toEqual([{ recheck: false, list: [] }, { recheck: true, list: ['raced.py'] }]);
  });

  it('openrsync: the doubtful files go the other way given', async () => {
    const { tree, since } = fixture();
    const { passes, run } = recorder([]);
    const other: string[][] = [];
    const sendDoubtful = async (entries: ScannedEntry[]) => (other.push(entries.map((e) => e.path)), { filesSent: 2, bytesSent: 4 });
    expect(await sendWithRsync({ tree, run, log: nullLogger, changedSinceMs: since, sendDoubtful })).toEqual({ filesSent: 2, bytesSent: 14 });
    expect(passes).toHaveLength(1);
    expect(other).toEqual([['edited.py', 'raced.py']]);
  });

  it('nanoseconds: one pass comparing them, no second look', async () => {
    const { tree, since } = fixture();
    const { passes, run } = recorder([]);
    expect(await sendWithRsync({ tree, run, log: nullLogger, changedSinceMs: since, nanoseconds: true })).toEqual({ filesSent: 0, bytesSent: 10 });
    expect(passes).toEqual([{ recheck: false, list: [], ns: true }]);
  });

  it('nanoseconds refused by the server after all: whole seconds with the second look, and it says so', async () => {
    const { tree, since } = fixture();
    const { passes, run } = recorder(['edited.py'], true);
    expect(await sendWithRsync({ tree, run, log: nullLogger, changedSinceMs: since, nanoseconds: true })).toEqual({ filesSent: 2, bytesSent: 20, nanosecondsRefused: true });
    expect(passes).toEqual([{ recheck: false, list: [], ns: true }, { recheck: false, list: [] }, { recheck: true, list: ['raced.py'] }]);
  });
});
