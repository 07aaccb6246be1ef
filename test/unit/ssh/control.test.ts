import { describe, expect, it } from 'vitest';
import { buildMasterArgs, buildMuxControlArgs, buildMuxExecArgs, controlDir, controlKey, controlMasterOptions } from '../../../src/ssh/control.js';
import type { SshTarget } from '../../../src/ssh/target.js';

const target: SshTarget = {
  label: 'gpu', host: '10.0.0.5', port: 22, user: 'alice', identityFiles: ['/h/.ssh/id'], explicitKey: true,
  jumps: [], connectTimeoutMs: 15000, hostKeyPolicy: 'ask', knownHostsFiles: ['/h/.ssh/known_hosts'],
};

describe('controlDir', () => {
  it.each([
    [{ XDG_RUNTIME_DIR: '/run/user/1000' }, '/tmp', 1000, '/run/user/1000/mtr'],
    [{}, '/tmp', 1000, '/tmp/mtr-1000'],
  ])('%j → %s', (env, tmp, uid, expected) => expect(controlDir(env, tmp, uid)).toBe(expected));
});

describe('controlKey', () => {
  it('is the same for the default dead-link timeout written out or left out', () => {
    expect(controlKey({ ...target, deadLinkTimeout: 30 })).toBe(controlKey(target));
  });

  it('is short, stable, and differs when anything about trust or destination differs', () => {
    const key = controlKey(target);
    expect(key).toMatch(/^[0-9a-f]{20}$/);
    expect(controlKey({ ...target })).toBe(key);
    for (const change of [
      { port: 2222 },
      { user: 'bob' },
      { host: 'other' },
      { knownHostsFiles: ['/other/known_hosts'] },
      { identityFiles: ['/h/.ssh/other'] },
      { hostKeyPolicy: 'accept-new' as const },
      { jumps: [{ ...target, host: 'bastion' }] },
      // A master keeps the ServerAlive options it started with.
      { deadLinkTimeout: 90 },
    ]) {
      expect(controlKey({ ...target, ...change })).not.toBe(key);
    }
  });
});

describe('ssh argv for the shared connection', () => {
  it.each([
    ['master options', controlMasterOptions('/run/mtr/a%b.sock', 600.4), ['-o', 'ControlMaster=auto', '-o', 'ControlPath=/run/mtr/a%%b.sock', '-o', 'ControlPersist=600']],
    ['mux exec', buildMuxExecArgs('/s.sock', 'echo hi'), ['-F', '/dev/null', '-o', 'ControlMaster=no', '-o', 'ControlPath=/s.sock', '-o', 'BatchMode=yes', '-T', 'mtr-shared-connection.invalid', 'echo hi']],
    ['check', buildMuxControlArgs('/s.sock', 'check').slice(-3), ['-O', 'check', 'mtr-shared-connection.invalid']],
    ['master', buildMasterArgs(['ssh', '-p', '22'], '/s.sock', 60, 'h'), ['-p', '22', '-o', 'ControlMaster=auto', '-o', 'ControlPath=/s.sock', '-o', 'ControlPersist=60', '-M', '-N', '-f', 'h']],
  ])('%s', (_name, argv, expected) => expect(argv).toEqual(expected));
});
