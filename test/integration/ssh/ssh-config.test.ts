import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSshHost } from '../../../src/ssh/ssh-config.js';
import { PLAIN_CONFIG, withDefaults } from '../../support/ssh-configs.js';

const ctx = { homedir: '/home/me', localUser: 'me' };

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtr-ssh-config-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

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
