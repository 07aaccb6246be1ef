import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLockedStart, buildMasterArgs, buildMuxControlArgs, buildMuxExecArgs, buildMuxForwardArgs, controlKey, controlMasterOptions } from '../../../src/ssh/control.js';
import { credentialFingerprint } from '../../../src/ssh/credential-id.js';
import type { SshTarget } from '../../../src/ssh/target.js';

const target: SshTarget = {
  label: 'gpu', host: '10.0.0.5', port: 22, user: 'alice', identityFiles: ['/h/.ssh/id'], explicitKey: true,
  jumps: [], connectTimeoutMs: 15000, hostKeyPolicy: 'ask', knownHostsFiles: ['/h/.ssh/known_hosts'],
};

describe('controlKey', () => {
  it('is the same for the default dead-link timeout written out or left out', () => {
    expect(controlKey({ ...target, deadLinkTimeout: 30 }, 'creds')).toBe(controlKey(target, 'creds'));
  });

  it('is short, stable, and differs when anything about trust or destination differs', () => {
    const key = controlKey(target, 'creds');
    expect(key).toMatch(/^[0-9a-f]{20}$/);
    expect(controlKey({ ...target }, 'creds')).toBe(key);
    expect(controlKey(target, 'other creds')).not.toBe(key);
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
      expect(controlKey({ ...target, ...change }, 'creds')).not.toBe(key);
    }
  });
});

describe('credentialFingerprint', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-cred-'));
  const key = path.join(home, 'key');
  fs.mkdirSync(path.join(home, '.ssh'));
  fs.writeFileSync(key, 'key one');

  it('changes with the password, the key file and its content; not with anything else', () => {
    const base = credentialFingerprint({ identityFiles: [key], password: 'right' }, home);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(credentialFingerprint({ identityFiles: [key], password: 'right' }, home)).toBe(base);
    expect(credentialFingerprint({ identityFiles: [key], password: 'nope' }, home)).not.toBe(base);
    expect(credentialFingerprint({ identityFiles: [key] }, home)).not.toBe(base);
    expect(credentialFingerprint({ identityFiles: [path.join(home, 'missing')], password: 'right' }, home)).not.toBe(base);
    fs.writeFileSync(key, 'key two');
    expect(credentialFingerprint({ identityFiles: [key], password: 'right' }, home)).not.toBe(base);
    // The password itself never shows, not even as its plain hash.
    const plain = createHash('sha256').update('right').digest('hex');
    expect(base).not.toContain(plain);
  });

  it('without configured keys: the default keys in ~/.ssh count', () => {
    const before = credentialFingerprint({ identityFiles: [] }, home);
    fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'a default key');
    expect(credentialFingerprint({ identityFiles: [] }, home)).not.toBe(before);
  });
});

describe('ssh argv for the shared connection', () => {
  it.each([
    ['master options', controlMasterOptions('/run/mtr/a%b.sock', 600.4), ['-o', 'ControlMaster=auto', '-o', 'ControlPath=/run/mtr/a%%b.sock', '-o', 'ControlPersist=600']],
    ['mux exec', buildMuxExecArgs('/s.sock', 'echo hi'), ['-F', '/dev/null', '-o', 'ControlMaster=no', '-o', 'ControlPath=/s.sock', '-o', 'BatchMode=yes', '-T', 'mtr-shared-connection.invalid', 'echo hi']],
    ['mux forward', buildMuxForwardArgs('/s.sock', 'localhost', 8080).slice(-3), ['-W', 'localhost:8080', 'mtr-shared-connection.invalid']],
    ['mux forward, IPv6', buildMuxForwardArgs('/s.sock', '::1', 80).slice(-3), ['-W', '[::1]:80', 'mtr-shared-connection.invalid']],
    ['check', buildMuxControlArgs('/s.sock', 'check').slice(-3), ['-O', 'check', 'mtr-shared-connection.invalid']],
    ['master', buildMasterArgs(['ssh', '-p', '22'], '/s.sock', 60, 'h'), ['-p', '22', '-o', 'ControlMaster=auto', '-o', 'ControlPath=/s.sock', '-o', 'ControlPersist=60', '-T', 'h', 'exit 0']],
  ])('%s', (_name, argv, expected) => expect(argv).toEqual(expected));
});

describe('buildLockedStart', () => {
  it('passes the lock as $0 and the command as words, never as shell text', () => {
    const argv = buildLockedStart('/run/mtr/k.starting', ['sshpass', '-e', 'ssh', 'h', 'exit 0']);
    expect(argv.slice(2)).toEqual(['/run/mtr/k.starting', 'sshpass', '-e', 'ssh', 'h', 'exit 0']);
    expect(argv[1]).toMatch(/"\$@"$/);
  });
});
