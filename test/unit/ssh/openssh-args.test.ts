import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { buildSshArgs, isPasswordOnly, proxyCommandFor, type SshArgsOptions } from '../../../src/ssh/openssh-args.js';
import type { SshTarget } from '../../../src/ssh/target.js';

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  label: 'gpu',
  host: 'gpu.example',
  port: 22,
  user: 'ann',
  identityFiles: [],
  explicitKey: false,
  jumps: [],
  connectTimeoutMs: 10_000,
  hostKeyPolicy: 'ask',
  knownHostsFiles: ['/h/.ssh/known_hosts'],
  ...over,
});

const noConfig: SshArgsOptions = { homedir: '/h', batch: true, fileExists: () => false };
const COMMON = '-o UserKnownHostsFile=/h/.ssh/known_hosts -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=5';
const _ = (name: string, t: SshTarget, opts: Partial<SshArgsOptions>, expected: string) => [name, t, { ...noConfig, ...opts }, expected] as const;

describe('buildSshArgs', () => {
  it.each([
    _('defaults', target(), {}, `ssh -F /dev/null -p 22 -l ann ${COMMON} -o BatchMode=yes`),
    _('user ssh config when it exists', target(), { fileExists: (f: string) => f === '/h/.ssh/config' }, `ssh -F /h/.ssh/config -p 22 -l ann ${COMMON} -o BatchMode=yes`),
    _('not batch: ssh may prompt', target(), { batch: false }, `ssh -F /dev/null -p 22 -l ann ${COMMON}`),
    _('explicit key', target({ identityFiles: ['/k/id', '/k/other'], explicitKey: true, port: 2222 }), {},
      `ssh -F /dev/null -p 2222 -l ann -i /k/id -i /k/other -o IdentitiesOnly=yes ${COMMON} -o BatchMode=yes`),
    _('ssh_config keys only: no IdentitiesOnly', target({ identityFiles: ['/k/id'] }), {}, `ssh -F /dev/null -p 22 -l ann -i /k/id ${COMMON} -o BatchMode=yes`),
    _('password only: no BatchMode, no keys', target({ password: 'pw' }), {},
      `ssh -F /dev/null -p 22 -l ann ${COMMON} -o PreferredAuthentications=password,keyboard-interactive -o PubkeyAuthentication=no`),
    _('password and key: key first, sshpass answers the prompt', target({ password: 'pw', identityFiles: ['/k/id'], explicitKey: true }), {},
      `ssh -F /dev/null -p 22 -l ann -i /k/id -o IdentitiesOnly=yes ${COMMON}`),
    _('timeout rounds up, at least 1 s', target({ connectTimeoutMs: 1500 }), { batch: false }, `ssh -F /dev/null -p 22 -l ann ${COMMON.replace('=10', '=2')}`),
    _('dead_link_timeout: ssh gives up after the same silence', target({ deadLinkTimeout: 90 }), { batch: false },
      `ssh -F /dev/null -p 22 -l ann ${COMMON.replace('Interval=5', 'Interval=15')}`),
    _('several known_hosts files', target({ knownHostsFiles: ['/p/kh', '/h/my dir/kh'] }), { batch: false },
      `ssh -F /dev/null -p 22 -l ann ${COMMON.replace('/h/.ssh/known_hosts', '/p/kh "/h/my dir/kh"')}`),
    _('percent doubled in expanded paths', target({ identityFiles: ['/k/100%'], knownHostsFiles: ['/k/%h'] }), { batch: false },
      `ssh -F /dev/null -p 22 -l ann -i /k/100%% ${COMMON.replace('/h/.ssh/known_hosts', '/k/%%h')}`),
    _('jumps, IPv6 bracketed', target({ jumps: [target({ user: 'j', host: 'bastion', port: 2200 }), target({ user: 'k', host: 'fe80::1', port: 22 })] }), {},
      `ssh -F /dev/null -p 22 -l ann ${COMMON} -o BatchMode=yes -J j@bastion:2200,k@[fe80::1]:22`),
  ])('%s', (_name, t, opts, expected) => expect(buildSshArgs(t, opts).join(' ')).toBe(expected));

  it('refuses a known_hosts path with a double quote', () => {
    expect(() => buildSshArgs(target({ knownHostsFiles: ['/a"b'] }), noConfig)).toThrow(UsageError);
  });
});

describe('isPasswordOnly', () => {
  it.each([
    [{}, false],
    [{ password: 'x' }, true],
    [{ password: '' }, true],
    [{ password: 'x', identityFiles: ['/k'] }, false],
  ])('%j → %s', (over, expected) => expect(isPasswordOnly(target(over))).toBe(expected));
});

describe('one ProxyJump hop as a ProxyCommand', () => {
  const opts: SshArgsOptions = { homedir: '/h', batch: true, fileExists: () => false };
  const hop = target({ host: 'bastion', port: 2200, user: 'j', identityFiles: ['/keys/id 50%'], knownHostsFiles: ['/h/.ssh/known_hosts'] });

  it('gives the hop the same known_hosts and keys, and is split by a shell into the intended argv', () => {
    const args = buildSshArgs(target({ jumps: [hop] }), opts);
    expect(args).not.toContain('-J');
    const proxy = args.find((a) => a.startsWith('ProxyCommand='))!;
    expect(proxy).toBe(`ProxyCommand=${proxyCommandFor(hop, opts)}`);
    // What sh hands to the hop's ssh (after ssh itself turned %% into % once):
    const words = spawnSync('sh', ['-c', `set -- ${proxy.slice('ProxyCommand='.length)}; printf '%s\\n' "$@"`], { encoding: 'utf8' }).stdout.split('\n').slice(0, -1);
    expect(words.slice(0, 1)).toEqual(['ssh']);
    expect(words).toContain('UserKnownHostsFile=/h/.ssh/known_hosts');
    expect(words).toContain('/keys/id 50%%%%');
    expect(words.slice(-3)).toEqual(['-W', '%h:%p', 'bastion']);
  });
});
