import { describe, expect, it } from 'vitest';
import { ConnectionError, formatError, MtrError } from '../../../../src/errors.js';
import { describeRsyncExit, tailLines, type RsyncEngine } from '../../../../src/sync/rsync/errors.js';

const WHERE = 'ann@gpu:22';
const CLOSED = 'rsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: error in rsync protocol data stream (code 12) at io.c(285) [sender=3.5.0]\n';

// Real stderr from rsync 3.5 / OpenSSH 9.2 / sshpass 1.09 (paths shortened).
const CHANGED = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Offending ED25519 key in /h/.ssh/known_hosts:1
  remove with:
  ssh-keygen -f "/h/.ssh/known_hosts" -R "[127.0.0.1]:40587"
Host key for [127.0.0.1]:40587 has changed and you have requested strict checking.
Host key verification failed.
rsync: connection unexpectedly closed (0 bytes received so far) [sender]
rsync error: unexplained error (code 255) at io.c(285) [sender=3.5.0]
`;
const UNKNOWN = `No ED25519 host key is known for [127.0.0.1]:40587 and you have requested strict checking.\nHost key verification failed.\n${CLOSED}`;
const WRONG_PW = 'Permission denied, please try again.\nPermission denied, please try again.\nmtrpass@127.0.0.1: Permission denied (publickey,password).\nrsync error: unexplained error (code 255) at rsync.c(874) [sender=3.5.0]\n';
const KEY_REFUSED = 'ann@127.0.0.1: Permission denied (publickey).\r\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: unexplained error (code 255) at io.c(285) [sender=3.5.0]\n';
const REFUSED = 'ssh: connect to host 127.0.0.1 port 1: Connection refused\r\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: unexplained error (code 255) at io.c(285) [sender=3.5.0]\n';
const NO_RSYNC = `bash: line 1: rsync: command not found\n${CLOSED}`;
const DASH_NO_RSYNC = `sh: 1: rsync: not found\n${CLOSED}`;
const UNCLEAN = 'protocol version mismatch -- is your shell clean?\n(see the rsync manpage for an explanation)\nrsync error: protocol incompatibility (code 2) at compat.c(625) [sender=3.5.0]\n';
const MKDIR = `mkdir: cannot create directory '/srv': Permission denied\n${CLOSED}`;
const FULL = 'rsync: [receiver] write failed on "/srv/p/big": No space left on device (28)\nrsync error: error in file IO (code 11) at receiver.c(381) [receiver=3.2.7]\n';
const PARTIAL = 'rsync: [receiver] mkstemp "/srv/p/.a.XYZ" failed: Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.5.0]\n';

type Row = [string, number, string, RsyncEngine, RegExp | undefined, number?];
const _ = (name: string, code: number, stderr: string, engine: RsyncEngine, message: RegExp | undefined, exit = 255): Row => [name, code, stderr, engine, message, exit];

describe('describeRsyncExit', () => {
  it.each<Row>([
    _('success', 0, '', 'rsync', undefined),
    _('vanished files count as success', 24, 'file has vanished: "/p/tmp.swp"\n', 'rsync', undefined),
    _('sshpass 5: wrong password', 5, WRONG_PW, 'sshpass', /ann@gpu:22 refused the password/),
    _("rsync's own 5 through sshpass", 5, 'rsync error: error starting client-server protocol (code 5) at main.c(1863)\n', 'sshpass', /exit code 5/, 1),
    _('sshpass 6: unknown host key', 6, '', 'sshpass', /not in known_hosts/),
    _('sshpass 7: host key changed', 7, '', 'sshpass', /has CHANGED/),
    _('host key changed (ssh stderr)', 255, CHANGED, 'rsync', /has CHANGED/),
    _('unknown host key (ssh stderr, code 12)', 12, UNKNOWN, 'rsync', /not in known_hosts/),
    _('key refused', 255, KEY_REFUSED, 'rsync', /could not log in to ann@gpu:22/),
    _('wrong password without sshpass code', 255, WRONG_PW, 'sshpass', /could not log in/),
    _('connection refused', 255, REFUSED, 'rsync', /could not connect[\s\S]*Connection refused/),
    _('remote rsync missing (bash, code 12)', 12, NO_RSYNC, 'rsync', /rsync is not installed on ann@gpu:22/, 1),
    _('remote rsync missing (dash)', 12, DASH_NO_RSYNC, 'rsync', /rsync is not installed/, 1),
    _('remote rsync missing (127)', 127, '', 'rsync', /rsync is not installed/, 1),
    _('login shell prints text', 2, UNCLEAN, 'rsync', /login shell prints text/, 1),
    _('remote_dir not creatable', 12, MKDIR, 'rsync', /could not create remote_dir[\s\S]*Permission denied/, 1),
    _('disk full', 11, FULL, 'rsync', /remote disk is full[\s\S]*No space left/, 1),
    _('partial transfer shows why', 23, PARTIAL, 'rsync', /exit code 23 \(partial transfer due to errors\)[\s\S]*mkstemp .* Permission denied/, 1),
    _('protocol stream, no clue on stderr', 12, CLOSED, 'rsync', /exit code 12 \(error in the rsync protocol data stream\)/, 1),
    _('usage error is ours', 1, 'rsync: --info=progress2: unknown option\n', 'rsync', /exit code 1 \(syntax or usage error\)/, 1),
    _('interrupted', 20, 'rsync error: received SIGINT, SIGTERM, or SIGHUP (code 20)\n', 'rsync', /interrupted/, 1),
    _('killed by a signal', 137, '', 'rsync', /killed by signal 9/, 1),
    _('bare ssh failure', 255, 'kex_exchange_identification: read: Connection reset by peer\n', 'rsync', /could not connect/),
    _('unknown code', 99, 'odd\n', 'rsync', /exit code 99[\s\S]*odd/, 1),
  ])('%s', (_name, code, stderr, engine, message, exit) => {
    const error = describeRsyncExit(code, stderr, engine, WHERE);
    if (!message) return expect(error).toBeUndefined();
    expect(error).toBeInstanceOf(MtrError);
    expect(error!.message).toMatch(message);
    expect(error!.exitCode).toBe(exit);
    expect(formatError(error).text).toMatch(/^mtr: /);
  });

  it('host-key and login failures are connection errors with a fix', () => {
    for (const [code, stderr] of [[255, CHANGED], [12, UNKNOWN], [255, KEY_REFUSED]] as const) {
      const error = describeRsyncExit(code, stderr, 'rsync', WHERE)!;
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.hint).toBeTruthy();
    }
    expect(describeRsyncExit(255, CHANGED, 'rsync', WHERE)!.hint).toContain('ssh-keygen -f "/h/.ssh/known_hosts" -R "[127.0.0.1]:40587"');
  });
});

describe('tailLines', () => {
  it('drops banners and blank lines, keeps the last few, shortens long ones', () => {
    expect(tailLines('@@@@\n\na\r\nb\n' + 'x'.repeat(300), 2)).toEqual(['b', `${'x'.repeat(237)}...`]);
  });
});
