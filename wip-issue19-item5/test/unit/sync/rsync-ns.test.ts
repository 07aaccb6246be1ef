import { describe, expect, it } from 'vitest';
import { RemoteRsyncNoNanoseconds, describeRsyncExit } from '../../../src/sync/rsync-errors.js';
import { buildNsProbeScript, judgeRemoteNs } from '../../../src/sync/rsync-ns.js';
import { wantsNanoseconds } from '../../../src/sync/rsync-send.js';
import { rsyncCapabilities, type RsyncVersion } from '../../../src/sync/rsync-version.js';

const v = (major: number, minor: number, patch: number, openrsync = false): RsyncVersion => ({ major, minor, patch, openrsync });

describe('judgeRemoteNs', () => {
  it.each([
    ['kept', 123456789n, 'mtr-ns:1700000000.1234567890\n', true],
    ['dropped (whole seconds)', 123456789n, 'mtr-ns:1700000000.0000000000\n', false],
    ['cut to microseconds', 123456789n, 'mtr-ns:1700000000.1234560000\n', false],
    ['cut to milliseconds', 123456789n, 'mtr-ns:1700000000.1230000000\n', false],
    ['changed since (another fraction): cannot tell', 123456789n, 'mtr-ns:1700000001.5000000000\n', undefined],
    ['no GNU find (no output): cannot tell', 123456789n, '', undefined],
    ['local file has no fraction: cannot tell', 0n, 'mtr-ns:1700000000.0000000000\n', undefined],
    ['shell noise before the tag', 5n, 'welcome!\nmtr-ns:1700000000.0000000050\n', true],
  ])('%s', (_name, localNs, output, expected) => expect(judgeRemoteNs(localNs, output)).toBe(expected));
});

describe('buildNsProbeScript', () => {
  it('quotes the name once, as a ./ path (no option, no glob)', () => {
    expect(buildNsProbeScript('~/p', "-it's *.py")).toBe(`cd "$HOME"/p && find './-it'\\''s *.py' -maxdepth 0 -printf 'mtr-ns:%T@\\n' 2>/dev/null`);
  });
});

describe('wantsNanoseconds', () => {
  it.each([
    ['rsync 3.2, nothing known yet, clock with a fraction', v(3, 2, 7), undefined, 1_700_000_000_123.5, true],
    ['server found able', v(3, 2, 7), true, 1_700_000_000_123.5, true],
    ['server found unable', v(3, 2, 7), false, 1_700_000_000_123.5, false],
    ['local rsync 3.1.2', v(3, 1, 2), undefined, 1_700_000_000_123.5, false],
    ['local rsync 3.1.3', v(3, 1, 3), undefined, 1_700_000_000_123.5, true],
    ['openrsync', v(2, 6, 9, true), undefined, 1_700_000_000_123.5, false],
    ['local file system stamps whole seconds', v(3, 2, 7), undefined, 1_700_000_000_000, false],
    ['no clock (.mtr not writable)', v(3, 2, 7), undefined, undefined, true],
  ])('%s', (_name, version, rsyncNs, clock, expected) => expect(wantsNanoseconds(version, rsyncNs, clock)).toBe(expected));

  it('rsyncCapabilities: nanosecondWindow from GNU 3.1.3', () => {
    expect(rsyncCapabilities(v(3, 1, 3)).nanosecondWindow).toBe(true);
    expect(rsyncCapabilities(v(2, 6, 9)).nanosecondWindow).toBe(false);
  });
});

describe('a server rsync older than 3.1.3', () => {
  it('refusing -@-1 is its own error, so the sync can go again without it', () => {
    const stderr = 'rsync: on remote machine: -@-1: unknown option\nrsync error: syntax or usage error (code 1) at main.c(1554) [server=3.1.2]\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\n';
    const error = describeRsyncExit(12, stderr, 'rsync', 'u@gpu:22');
    expect(error).toBeInstanceOf(RemoteRsyncNoNanoseconds);
  });
});
