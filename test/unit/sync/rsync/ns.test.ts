import { describe, expect, it } from 'vitest';
import { RemoteRsyncNoNanoseconds, describeRsyncExit } from '../../../../src/sync/rsync/errors.js';
import { buildNsProbeScript, judgeNsProbe } from '../../../../src/sync/rsync/ns.js';
import { wantsNanoseconds } from '../../../../src/sync/rsync/send.js';
import { rsyncCapabilities, type RsyncVersion } from '../../../../src/sync/rsync/version.js';

const v = (major: number, minor: number, patch: number, openrsync = false): RsyncVersion => ({ major, minor, patch, openrsync });
const out = (rsync: string, time?: string) => `motd noise\nmtr-ns-rsync:${rsync}\n${time === undefined ? '' : `mtr-ns-time:${time}\n`}`;

describe('judgeNsProbe', () => {
  it.each([
    ['3.2.7, nanoseconds kept', out('rsync  version 3.2.7  protocol version 31', '1700000000.1234567890'), true],
    ['3.1.3 is enough', out('rsync  version 3.1.3  protocol version 31', '1700000000.1234567890'), true],
    ['3.1.2 takes -1 as "always differs"', out('rsync  version 3.1.2  protocol version 31', '1700000000.1234567890'), false],
    ['file system keeps whole seconds', out('rsync  version 3.2.7  protocol version 31', '1700000000.0000000000'), false],
    ['file system keeps microseconds', out('rsync  version 3.2.7  protocol version 31', '1700000000.1234560000'), false],
    ['no GNU touch/find: nothing printed', out('rsync  version 3.2.7  protocol version 31'), false],
    ['find printed nothing', out('rsync  version 3.2.7  protocol version 31', ''), false],
    ['no rsync there', out('', '1700000000.1234567890'), false],
    ['openrsync there', out('openrsync: protocol version 29', '1700000000.1234567890'), false],
    ['nothing of ours at all', 'bash: mkdir: permission denied\n', false],
  ])('%s', (_name, output, expected) => expect(judgeNsProbe(output)).toBe(expected));
});

describe('buildNsProbeScript', () => {
  it('asks rsync its version, then sets and reads back a time on its own temp file in remote_dir', () => {
    expect(buildNsProbeScript("~/it's")).toBe(
      [
        "printf 'mtr-ns-rsync:'; rsync --version 2>/dev/null | head -n 1; echo",
        `mkdir -p "$HOME"/'it'\\''s' && cd "$HOME"/'it'\\''s' || exit 0`,
        'f=$(mktemp ./.mtr-ns.XXXXXX) || exit 0',
        `touch -d @1700000000.123456789 "$f" 2>/dev/null && printf 'mtr-ns-time:%s\\n' "$(find "$f" -maxdepth 0 -printf %T@ 2>/dev/null)"`,
        'rm -f "$f"',
      ].join('\n'),
    );
  });
});

describe('wantsNanoseconds', () => {
  it.each([
    ['rsync 3.2, target found able, clock with a fraction', v(3, 2, 7), true, 1_700_000_000_123.5, true],
    ['target not asked yet', v(3, 2, 7), undefined, 1_700_000_000_123.5, false],
    ['target found unable', v(3, 2, 7), false, 1_700_000_000_123.5, false],
    ['local rsync 3.1.2', v(3, 1, 2), true, 1_700_000_000_123.5, false],
    ['local rsync 3.1.3', v(3, 1, 3), true, 1_700_000_000_123.5, true],
    ['openrsync', v(2, 6, 9, true), true, 1_700_000_000_123.5, false],
    ['local file system stamps whole seconds', v(3, 2, 7), true, 1_700_000_000_000, false],
    ['no clock reading', v(3, 2, 7), true, undefined, false],
    ['no local rsync', undefined, true, 1_700_000_000_123.5, false],
  ])('%s', (_name, version, rsyncNs, clock, expected) => expect(wantsNanoseconds(version, rsyncNs, clock)).toBe(expected));

  it('rsyncCapabilities: nanosecondWindow from GNU 3.1.3', () => {
    expect(rsyncCapabilities(v(3, 1, 3)).nanosecondWindow).toBe(true);
    expect(rsyncCapabilities(v(3, 1, 2)).nanosecondWindow).toBe(false);
    expect(rsyncCapabilities(v(3, 2, 7, true)).nanosecondWindow).toBe(false);
  });
});

describe('a server rsync that refuses -@-1', () => {
  it('is its own error, so the sync can go again without it', () => {
    const stderr = 'rsync: on remote machine: -@-1: unknown option\nrsync error: syntax or usage error (code 1) at main.c(1554) [server=3.0.9]\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\n';
    expect(describeRsyncExit(12, stderr, 'rsync', 'u@gpu:22')).toBeInstanceOf(RemoteRsyncNoNanoseconds);
  });
});
