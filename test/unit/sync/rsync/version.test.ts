import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectLocalRsync,
  formatRsyncVersion,
  parseRsyncVersion,
  progressModeFor,
  rsyncCapabilities,
} from '../../../../src/sync/rsync/version.js';

// The banners as rsync 3.2.7 (Debian 12, Ubuntu 24.04) and 3.4.1 (Debian 13) print them; the rest of
// their output (capabilities, checksum lists) does not matter to the parser.
const RSYNC_327 = `rsync  version 3.2.7  protocol version 31
Copyright (C) 1996-2022 by Andrew Tridgell, Wayne Davison, and others.
Web site: https://rsync.samba.org/
`;

const RSYNC_341 = `rsync  version 3.4.1  protocol version 32
Copyright (C) 1996-2025 by Andrew Tridgell, Wayne Davison, and others.
Web site: https://rsync.samba.org/
`;

// Captured verbatim from the rsync this repo's test machine runs.
const RSYNC_350 = `rsync  version 3.5.0  protocol version 32
Copyright (C) 1996-2026 by Andrew Tridgell, Wayne Davison, and others.
Web site: https://rsync.samba.org/
Capabilities:
    64-bit files, 64-bit inums, 64-bit timestamps, 64-bit long ints,
    socketpairs, symlinks, symtimes, hardlinks, hardlink-specials,
    hardlink-symlinks, IPv6, atimes, batchfiles, inplace, append, ACLs,
    ACL-at, xattrs, optional secluded-args, iconv, prealloc, stop-at,
    no crtimes
Optimizations:
    SIMD-roll, no asm-roll, openssl-crypto, no asm-MD5
Checksum list:
    xxh128 xxh3 xxh64 (xxhash) md5 md4 sha1 none
Compress list:
    zstd lz4 zlibx zlib none
Daemon auth list:
    sha512 sha256 sha1 md5 md4

rsync comes with ABSOLUTELY NO WARRANTY.  This is free software, and you
are welcome to redistribute it under certain conditions.  See the GNU
General Public Licence for details.
`;

// macOS up to 14 (/usr/bin/rsync).
const RSYNC_269 = `rsync  version 2.6.9  protocol version 29
Copyright (C) 1996-2006 by Andrew Tridgell, Wayne Davison, and others.
<http://rsync.samba.org/>
Capabilities: 64-bit files, socketpairs, hard links, symlinks, batchfiles,
              inplace, IPv6, 64-bit system inums, 64-bit internal inums

rsync comes with ABSOLUTELY NO WARRANTY.  This is free software, and you
are welcome to redistribute it under certain conditions.  See the GNU
General Public Licence for details.
`;

// macOS 15+ /usr/bin/rsync, and the bare banner of older openrsync builds.
const OPENRSYNC = 'openrsync: protocol version 29\nrsync version 2.6.9 compatible\n';
const OPENRSYNC_BARE = 'openrsync: protocol version 27\n';

describe('parseRsyncVersion', () => {
  it.each([
    ['3.2.7', RSYNC_327, { major: 3, minor: 2, patch: 7, openrsync: false }],
    ['3.4.1', RSYNC_341, { major: 3, minor: 4, patch: 1, openrsync: false }],
    ['3.5.0 (full output)', RSYNC_350, { major: 3, minor: 5, patch: 0, openrsync: false }],
    ['2.6.9', RSYNC_269, { major: 2, minor: 6, patch: 9, openrsync: false }],
    ['openrsync', OPENRSYNC, { major: 2, minor: 6, patch: 9, openrsync: true }],
    ['bare openrsync', OPENRSYNC_BARE, { major: 2, minor: 6, patch: 9, openrsync: true }],
    ['git build with v prefix', 'rsync  version v3.2.3  protocol version 31\n', { major: 3, minor: 2, patch: 3, openrsync: false }],
    ['pre-release', 'rsync  version 3.3.0pre1  protocol version 32\n', { major: 3, minor: 3, patch: 0, openrsync: false }],
    ['no patch', 'rsync  version 3.1  protocol version 31', { major: 3, minor: 1, patch: 0, openrsync: false }],
    ['not rsync', 'bash: rsync: command not found', undefined],
    ['empty', '', undefined],
  ])('%s', (_name, text, expected) => expect(parseRsyncVersion(text)).toEqual(expected));
});

describe('rsyncCapabilities and progress mode', () => {
  const v = (text: string) => parseRsyncVersion(text)!;
  it.each([
    ['3.4.1', v(RSYNC_341), { infoProgress2: true, mkpath: true, escapesRemoteArgs: true, quotedRsh: true, nanosecondWindow: true }, 'info2'],
    ['3.2.7', v(RSYNC_327), { infoProgress2: true, mkpath: true, escapesRemoteArgs: true, quotedRsh: true, nanosecondWindow: true }, 'info2'],
    ['3.2.3', { major: 3, minor: 2, patch: 3, openrsync: false }, { infoProgress2: true, mkpath: true, escapesRemoteArgs: false, quotedRsh: true, nanosecondWindow: true }, 'info2'],
    ['3.1.0', { major: 3, minor: 1, patch: 0, openrsync: false }, { infoProgress2: true, mkpath: false, escapesRemoteArgs: false, quotedRsh: true, nanosecondWindow: false }, 'info2'],
    ['3.0.9', { major: 3, minor: 0, patch: 9, openrsync: false }, { infoProgress2: false, mkpath: false, escapesRemoteArgs: false, quotedRsh: true, nanosecondWindow: false }, 'legacy'],
    ['2.6.9', v(RSYNC_269), { infoProgress2: false, mkpath: false, escapesRemoteArgs: false, quotedRsh: true, nanosecondWindow: false }, 'legacy'],
    ['openrsync', v(OPENRSYNC), { infoProgress2: false, mkpath: false, escapesRemoteArgs: false, quotedRsh: false, nanosecondWindow: false }, 'none'],
    ['4.0.0', { major: 4, minor: 0, patch: 0, openrsync: false }, { infoProgress2: true, mkpath: true, escapesRemoteArgs: true, quotedRsh: true, nanosecondWindow: true }, 'info2'],
  ])('%s', (_name, version, caps, mode) => {
    expect(rsyncCapabilities(version)).toEqual(caps);
    expect(progressModeFor(version)).toBe(mode);
  });

  it('formats for messages', () => {
    expect(formatRsyncVersion(v(RSYNC_327))).toBe('rsync 3.2.7');
    expect(formatRsyncVersion(v(OPENRSYNC))).toBe('openrsync (rsync 2.6.9 compatible)');
  });
});

describe('detectLocalRsync', () => {
  it('is undefined when the command does not exist', async () => {
    expect(await detectLocalRsync({ command: '/nonexistent/rsync' })).toBeUndefined();
  });

  it('reads a version from whatever rsync prints', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-rsync-'));
    try {
      const fake = path.join(dir, 'rsync');
      fs.writeFileSync(fake, `#!/bin/sh\nprintf '%s' '${OPENRSYNC}'\n`, { mode: 0o755 });
      expect(await detectLocalRsync({ command: fake })).toEqual({ major: 2, minor: 6, patch: 9, openrsync: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
