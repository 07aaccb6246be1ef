import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSshHost } from '../../../src/ssh/ssh-config.js';

const ctx = { homedir: '/home/me', localUser: 'me' };

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtr-ssh-config-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Everything `ssh -G` can check too: no Match exec, no Include.
const PLAIN_CONFIG = `
Host gpu
  HostName gpu.example.com
  User alice
  Port 2200
  IdentityFile ~/.ssh/id_gpu
  IdentityFile %d/.ssh/%h_%r_%p_%u_%n_%%
  ProxyJump bastion

Host gpu
  HostName ignored.example.com
  User ignored
  Port 2201
  ProxyJump ignored

Host bastion
  HostName bastion.example.com
  User jump
  ProxyJump none

Host *.internal !db.internal
  HostName %h.corp
  User internal

Host keyed
  IdentityFile "~/.ssh/my keys/%h"
  IdentityFile %r@%h:%p

Host lower
  hostname lower.example.com
  PORT 2022
  proxyjump a@j1:2222,j2
`;

const withDefaults = (text: string): string => `${text}\nHost *\n  User default\n  IdentityFile ~/.ssh/id_default\n`;

describe('resolveSshHost agrees with ssh -G', () => {
  it.each(['gpu', 'bastion', 'web.internal', 'db.internal', 'keyed', 'lower', 'plain'])('%s', (alias) => {
    const file = join(dir, 'ssh_config');
    writeFileSync(file, withDefaults(PLAIN_CONFIG));
    const printed = spawnSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8' }).stdout;
    const get = (key: string): string | undefined =>
      printed.split('\n').find((l) => l.toLowerCase().startsWith(`${key} `))?.slice(key.length + 1);
    const host = resolveSshHost(withDefaults(PLAIN_CONFIG), alias, ctx);
    expect(host.hostName).toBe(get('hostname'));
    expect(host.user).toBe(get('user'));
    expect(String(host.port ?? 22)).toBe(get('port'));
    expect(host.proxyJump).toBe(get('proxyjump'));
  });
});
