import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { expandIncludes, resolveIncludePaths } from '../../../src/ssh/ssh-config-include.js';
import { parseProxyJump, resolveSshHost, type SshHost } from '../../../src/ssh/ssh-config.js';
import { PLAIN_CONFIG, withDefaults } from '../../support/ssh-configs.js';

const ctx = { homedir: '/home/me', localUser: 'me' };
const DEFAULT_ID = '/home/me/.ssh/id_default';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtr-ssh-config-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const matchExecConfig = (marker: string): string =>
  `${PLAIN_CONFIG}\nMatch exec "touch ${marker}"\n  User exec-ran\n  HostName exec.example.com\n`;

describe('resolveSshHost', () => {
  const _ = (alias: string, expected: SshHost) => ({ alias, expected });
  it.each([
    _('gpu', {
      hostName: 'gpu.example.com',
      user: 'alice',
      port: 2200,
      identityFiles: ['/home/me/.ssh/id_gpu', '/home/me/.ssh/gpu.example.com_alice_2200_me_gpu_%', DEFAULT_ID],
      proxyJump: 'bastion',
    }),
    _('bastion', { hostName: 'bastion.example.com', user: 'jump', identityFiles: [DEFAULT_ID] }),
    _('web.internal', { hostName: 'web.internal.corp', user: 'internal', identityFiles: [DEFAULT_ID] }),
    _('db.internal', { hostName: 'db.internal', user: 'default', identityFiles: [DEFAULT_ID] }),
    _('keyed', {
      hostName: 'keyed',
      user: 'default',
      identityFiles: ['/home/me/.ssh/my keys/keyed', 'default@keyed:22', DEFAULT_ID],
    }),
    _('lower', {
      hostName: 'lower.example.com',
      user: 'default',
      port: 2022,
      identityFiles: [DEFAULT_ID],
      proxyJump: 'a@j1:2222,j2',
    }),
    _('plain', { hostName: 'plain', user: 'default', identityFiles: [DEFAULT_ID] }),
  ])('$alias', ({ alias, expected }) => {
    const marker = join(dir, `exec-${alias}`);
    expect(resolveSshHost(withDefaults(matchExecConfig(marker)), alias, ctx)).toEqual(expected);
    expect(existsSync(marker)).toBe(false);
  });

  it('returns only the alias without a config', () => {
    expect(resolveSshHost('', 'box', ctx)).toEqual({ hostName: 'box', identityFiles: [] });
  });

  it.each(['Port seventy', 'Port 0', 'Host x\n  User "unterminated'])('rejects %j', (text) => {
    expect(() => resolveSshHost(`${text}\n`, 'x', ctx)).toThrow(UsageError);
  });
});

describe('expandIncludes', () => {
  const files: Record<string, string> = {
    '/home/me/.ssh/config.d/a.conf': 'Host a\n  HostName a.example.com',
    '/home/me/.ssh/config.d/b.conf': 'Host b\n  HostName b.example.com\nInclude nested.conf',
    '/home/me/.ssh/config.d/.hidden.conf': 'Host a\n  HostName hidden.example.com',
    '/home/me/.ssh/nested.conf': 'Host n\n  User nested',
    '/home/me/.ssh/extra.conf': 'User from-include\nHost other\n  User other',
    '/home/me/.ssh/self.conf': 'Include self.conf\nHost self\n  User self',
    '/home/me/my conf': 'Host q\n  User quoted',
    '/etc/ssh/abs.conf': 'Host abs\n  User absolute',
  };
  const readFile = (path: string): string | undefined => files[path];
  const listDir = (path: string): string[] =>
    path === '/home/me/.ssh/config.d' ? ['b.conf', 'a.conf', '.hidden.conf', 'notes.txt'] : [];
  const resolve = (text: string, alias: string): SshHost =>
    resolveSshHost(expandIncludes(text, readFile, ctx.homedir, listDir), alias, ctx);

  const _ = (config: string, alias: string, expected: Partial<SshHost>) => ({ config, alias, expected });
  it.each([
    _('Include config.d/*.conf', 'a', { hostName: 'a.example.com' }),
    _('Include config.d/*.conf', 'b', { hostName: 'b.example.com' }),
    _('Include config.d/*.conf', 'n', { user: 'nested' }),
    _('include=~/.ssh/config.d/a.conf', 'a', { hostName: 'a.example.com' }),
    _('Include /etc/ssh/abs.conf missing.conf # comment', 'abs', { user: 'absolute' }),
    _('Include "~/my conf"', 'q', { user: 'quoted' }),
    _('Include self.conf', 'self', { user: 'self' }),
    _('Host gpu\n  Include extra.conf\n  Port 2200', 'gpu', { user: 'from-include', port: 2200 }),
    _('Include extra.conf\nPort 2200', 'other', { user: 'from-include', port: 2200 }),
    _('Host gpu\n  Include missing.conf\n  User gpu-user', 'gpu', { user: 'gpu-user' }),
  ])('$config → $alias', ({ config, alias, expected }) => {
    const host = resolve(config, alias);
    expect(host).toMatchObject(expected);
  });

  it('leaves the port of an unrelated block alone', () => {
    expect(resolve('Host gpu\n  Include extra.conf\n  Port 2200', 'other').port).toBeUndefined();
  });

  it.each([
    [['config.d/*.conf'], ['/home/me/.ssh/config.d/a.conf', '/home/me/.ssh/config.d/b.conf']],
    [['config.d/.*'], ['/home/me/.ssh/config.d/.hidden.conf']],
    [['config.d/?.conf', '~/x'], ['/home/me/.ssh/config.d/a.conf', '/home/me/.ssh/config.d/b.conf', '/home/me/x']],
    [['/abs/none*'], []],
  ])('resolveIncludePaths(%j)', (patterns, expected) => {
    expect(resolveIncludePaths(patterns, { homedir: ctx.homedir, listDir })).toEqual(expected);
  });
});

describe('parseProxyJump', () => {
  it.each([
    ['bastion', [{ host: 'bastion' }]],
    ['alice@bastion:2222', [{ user: 'alice', host: 'bastion', port: 2222 }]],
    ['alice@b1:2222, b2', [{ user: 'alice', host: 'b1', port: 2222 }, { host: 'b2' }]],
    ['[::1]:2222', [{ host: '::1', port: 2222 }]],
    ['u@[fe80::1%eth0]', [{ user: 'u', host: 'fe80::1%eth0' }]],
    ['fe80::1', [{ host: 'fe80::1' }]],
    ['ssh://u@h:22', [{ user: 'u', host: 'h', port: 22 }]],
    ['a@b@host', [{ user: 'a@b', host: 'host' }]],
    ['none', []],
  ])('%s', (spec, expected) => {
    expect(parseProxyJump(spec)).toEqual(expected);
  });

  it.each(['host:abc', 'host:0', 'host:70000', 'a,,b', '@host', 'user@', '[::1]:x'])('rejects %s', (spec) => {
    expect(() => parseProxyJump(spec)).toThrow(UsageError);
  });
});
