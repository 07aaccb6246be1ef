import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/errors.js';
import { createWatchStatus, describePaths, formatRestartLine, formatStatusLine, formatSyncLine, type SyncReport } from '../../../src/watch/status.js';

const at = new Date(2026, 0, 2, 9, 5, 7);
const report = (over: Partial<SyncReport>): SyncReport => ({ at, full: false, filesSent: 1, bytesSent: 12, deleted: 0, ms: 30, ...over });

describe('formatSyncLine', () => {
  it.each([
    [report({ latencyMs: 95 }), 'synced 1 file (12 B) in 30 ms, 95 ms after the change'],
    [report({ filesSent: 300, bytesSent: 4096, deleted: 2, ms: 1250, latencyMs: 1400 }), 'synced 300 files (4.0 KB, deleted 2) in 1.3 s, 1.4 s after the change'],
    [report({ full: true, filesSent: 3, filesTotal: 40, engine: 'rsync', ms: 420 }), 'synced 3 of 40 files (12 B) via rsync in 420 ms'],
    [report({ full: true, filesSent: 0, bytesSent: 0, filesTotal: 1, engine: 'sftp' }), 'synced 0 of 1 file (0 B) via sftp in 30 ms'],
  ])('%j', (r, line) => {
    expect(formatSyncLine(r)).toBe(line);
  });
});

describe('describePaths / formatRestartLine', () => {
  it.each([
    [['a.py'], 'a.py'],
    [['a.py', 'b.py'], 'a.py, b.py'],
    [['a.py', 'b.py', 'c.py', 'd.py'], 'a.py and 3 more'],
  ])('%j → %s', (paths, text) => {
    expect(describePaths(paths)).toBe(text);
  });

  it('marks a restart with a separator line', () => {
    expect(formatRestartLine(3, 'src/a.py changed')).toBe('──── mtr: src/a.py changed: restarting (run 3) ────');
  });
});

describe('formatStatusLine', () => {
  const base = { target: 'gpu1:~/proj', syncs: 0 };
  it.each([
    [{ ...base, phase: { kind: 'starting' } }, 'mtr watch → gpu1:~/proj · initial sync…'],
    [{ ...base, phase: { kind: 'syncing', paths: 3 } }, 'mtr watch → gpu1:~/proj · syncing 3 changes…'],
    [
      { ...base, syncs: 4, phase: { kind: 'watching' }, last: report({ filesSent: 2, latencyMs: 120 }) },
      'mtr watch → gpu1:~/proj · last sync 09:05:07: 2 files, 120 ms · 4 syncs · Ctrl+C to stop',
    ],
    [
      { ...base, phase: { kind: 'reconnecting', attempt: 1, inMs: 500, reason: 'connect ECONNREFUSED' } },
      'mtr watch → gpu1:~/proj · connection lost, reconnecting (attempt 2, in 500 ms): connect ECONNREFUSED',
    ],
  ] as const)('%j', (state, line) => {
    expect(formatStatusLine(state, 200)).toBe(line);
  });

  it('fits the terminal width', () => {
    const line = formatStatusLine({ ...base, phase: { kind: 'watching' }, last: report({}) }, 30);
    expect(line).toHaveLength(29);
    expect(line.endsWith('…')).toBe(true);
  });
});

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('createWatchStatus', () => {
  it('batch: one line per sync and per note, nothing redrawn', () => {
    const out = capture(false);
    const status = createWatchStatus({ stderr: out.stream }, { live: false, quiet: false, target: 't:/r' });
    status.phase({ kind: 'syncing', paths: 1 });
    status.synced(report({ latencyMs: 80 }));
    status.line('watching /p → t:/r (Ctrl+C to stop)');
    status.restart(2, 'a changed');
    status.close();
    expect(out.text()).toBe(
      'mtr: synced 1 file (12 B) in 30 ms, 80 ms after the change\nmtr: watching /p → t:/r (Ctrl+C to stop)\n──── mtr: a changed: restarting (run 2) ────\n',
    );
  });

  it('notices and notes are always `mtr: ` lines; only the restart separator is not (nothing is sniffed)', () => {
    const out = capture(false);
    const status = createWatchStatus({ stderr: out.stream }, { live: false, quiet: true, target: 't:/r' });
    status.notice({ kind: 'engine', engine: 'sftp', text: 'rsync is not installed on the server; syncing with SFTP' });
    status.line('──── looks like a separator');
    status.restart(3, 'b changed');
    expect(out.text()).toBe(
      'mtr: rsync is not installed on the server; syncing with SFTP\nmtr: ──── looks like a separator\n──── mtr: b changed: restarting (run 3) ────\n',
    );
  });

  it('a failed sync is a note with its fix, then the status is back to watching', () => {
    const out = capture(true);
    const status = createWatchStatus({ stderr: out.stream }, { live: true, quiet: false, target: 't:/r' });
    status.phase({ kind: 'syncing', paths: 2 });
    status.failed(new SyncError('permission denied', 'fix the remote_dir permissions'));
    const clear = '\r\x1b[2K';
    expect(out.text()).toBe(
      `${clear}mtr watch → t:/r · syncing 2 changes…${clear}mtr: sync failed: permission denied (fix: fix the remote_dir permissions)\n` +
        `${clear}mtr watch → t:/r · syncing 2 changes…${clear}mtr watch → t:/r · 0 syncs · Ctrl+C to stop`,
    );
  });

  it('batch with --quiet: no sync lines, notes still shown', () => {
    const out = capture(false);
    const status = createWatchStatus({ stderr: out.stream }, { live: false, quiet: true, target: 't:/r' });
    status.synced(report({}));
    status.line('sync failed: x');
    expect(out.text()).toBe('mtr: sync failed: x\n');
  });

  it('terminal: redraws one status line, clears it for notes, ends with a newline', () => {
    const out = capture(true);
    const status = createWatchStatus({ stderr: out.stream }, { live: true, quiet: false, target: 't:/r' });
    status.synced(report({ latencyMs: 80 }));
    status.line('note');
    status.close();
    const clear = '\r\x1b[2K';
    const line = 'mtr watch → t:/r · last sync 09:05:07: 1 file, 80 ms · 1 sync · Ctrl+C to stop';
    expect(out.text()).toBe(`${clear}${line}${clear}mtr: note\n${clear}${line}\n`);
  });
});
