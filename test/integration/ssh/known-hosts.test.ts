import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  hostString,
  keyTypeOf,
  knownKeyTypesFor,
  parseKnownHosts,
  type HostKeyStatus,
  type KnownHostEntry,
} from '../../../src/ssh/known-hosts.js';

// Real keys from ssh-keygen: A and B are ed25519, C is ecdsa, R is the one we revoke.
const NAMES = ['A', 'B', 'C', 'R'] as const;
type KeyName = (typeof NAMES)[number];
interface Key { pub: string; line: string; blob: Buffer; type: string }

let dir = '';
const keys = {} as Record<KeyName, Key>;
const k = (name: KeyName): string => keys[name].line;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtr-known-hosts-'));
  for (const name of NAMES) {
    const path = join(dir, `id_${name}`);
    const type = name === 'C' ? ['-t', 'ecdsa', '-b', '256'] : ['-t', 'ed25519'];
    execFileSync('ssh-keygen', ['-q', ...type, '-N', '', '-C', `key-${name}`, '-f', path]);
    const [keyType = '', base64 = ''] = readFileSync(`${path}.pub`, 'utf8').trim().split(' ');
    keys[name] = { pub: `${path}.pub`, line: `${keyType} ${base64}`, blob: Buffer.from(base64, 'base64'), type: keyType };
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const knownHostsText = (): string => [
  '# a comment',
  '',
  `example.com,alias.example.com ${k('A')}`,
  `[example.com]:2222 ${k('B')}`,
  `*.wild.test,!bad.wild.test ${k('A')}`,
  `node?.test ${k('A')}`,
  `ecdsa-only.test ${k('C')}`,
  'garbage line',
  'example.com ssh-ed25519 !!!not-base64',
  `@cert-authority *.ca.test ${k('A')}`,
  `@revoked * ${k('R')}`,
  `revoked.test ${k('R')}`,
  `@bogus-marker unknown.test ${k('A')}`,
  `mismatch.test ssh-rsa ${k('A').split(' ')[1]}`,
  `   both.test ${k('C')} trailing comment`,
  `both.test ${k('A')}`,
].join('\n');

const parse = (): KnownHostEntry[] => parseKnownHosts(knownHostsText(), '/home/u/.ssh/known_hosts');
const at = (line: number) => ({ file: '/home/u/.ssh/known_hosts', line });

describe('parseKnownHosts', () => {
  it('keeps valid lines with their line numbers and skips the rest', () => {
    expect(parse().map((e) => [e.line, e.marker ?? '', e.keyType])).toEqual([
      [3, '', 'ssh-ed25519'],
      [4, '', 'ssh-ed25519'],
      [5, '', 'ssh-ed25519'],
      [6, '', 'ssh-ed25519'],
      [7, '', 'ecdsa-sha2-nistp256'],
      [10, 'cert-authority', 'ssh-ed25519'],
      [11, 'revoked', 'ssh-ed25519'],
      [12, '', 'ssh-ed25519'],
      [15, '', 'ecdsa-sha2-nistp256'],
      [16, '', 'ssh-ed25519'],
    ]);
  });
});

describe('checkHostKey', () => {
  const _ = (host: string, port: number, key: KeyName, expected: HostKeyStatus) => ({ host, port, key, expected });
  it.each([
    _('example.com', 22, 'A', { status: 'known' }),
    _('EXAMPLE.com', 22, 'A', { status: 'known' }),
    _('alias.example.com', 22, 'A', { status: 'known' }),
    _('example.com', 22, 'B', { status: 'changed', ...at(3) }),
    _('example.com', 2222, 'B', { status: 'known' }),
    _('example.com', 2222, 'A', { status: 'changed', ...at(4) }),
    _('example.com', 2200, 'A', { status: 'unknown' }),
    _('x.wild.test', 22, 'A', { status: 'known' }),
    _('bad.wild.test', 22, 'A', { status: 'unknown' }),
    _('bad.wild.test', 22, 'B', { status: 'unknown' }),
    _('node1.test', 22, 'A', { status: 'known' }),
    _('node12.test', 22, 'A', { status: 'unknown' }),
    _('ecdsa-only.test', 22, 'A', { status: 'unknown' }),
    _('ecdsa-only.test', 22, 'C', { status: 'known' }),
    _('both.test', 22, 'B', { status: 'changed', ...at(16) }),
    _('revoked.test', 22, 'R', { status: 'revoked', ...at(11) }),
    _('anything.test', 2222, 'R', { status: 'revoked', ...at(11) }),
    _('x.ca.test', 22, 'A', { status: 'unknown' }),
    _('unknown.test', 22, 'A', { status: 'unknown' }),
    _('mismatch.test', 22, 'A', { status: 'unknown' }),
  ])('$host:$port with key $key', ({ host, port, key, expected }) => {
    expect(checkHostKey(parse(), host, port, keys[key].blob)).toEqual(expected);
  });
});

describe('hashed entries from ssh-keygen -H', () => {
  let hashed: KnownHostEntry[] = [];
  beforeAll(() => {
    const file = join(dir, 'known_hosts_hashed');
    writeFileSync(file, `hashed.test ${k('A')}\n[hashed.test]:2222 ${k('B')}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    expect(text).not.toContain('hashed.test');
    hashed = parseKnownHosts(text, file);
    expect(hashed.every((e) => e.hosts.kind === 'hashed')).toBe(true);
  });
  const _ = (host: string, port: number, key: KeyName, status: HostKeyStatus['status']) => ({ host, port, key, status });
  it.each([
    _('hashed.test', 22, 'A', 'known'),
    _('Hashed.Test', 22, 'A', 'known'),
    _('hashed.test', 22, 'B', 'changed'),
    _('hashed.test', 2222, 'B', 'known'),
    _('hashed.test', 2222, 'A', 'changed'),
    _('other.test', 22, 'A', 'unknown'),
  ])('$host:$port with key $key is $status', ({ host, port, key, status }) => {
    expect(checkHostKey(hashed, host, port, keys[key].blob).status).toBe(status);
  });
});

describe('host matching agrees with ssh-keygen -F', () => {
  it.each([
    'example.com', '[example.com]:2222', '[example.com]:2200', 'alias.example.com', 'x.wild.test',
    'bad.wild.test', 'node1.test', 'node12.test', 'ecdsa-only.test', 'nothing.test',
  ])('%s', (name) => {
    const file = join(dir, 'known_hosts_plain');
    const text = knownHostsText().split('\n').slice(0, 7).join('\n');
    writeFileSync(file, `${text}\n`);
    const found = spawnSync('ssh-keygen', ['-F', name, '-f', file]).status === 0;
    const bracket = /^\[(.*)\]:(\d+)$/.exec(name);
    const [host, port] = bracket ? [bracket[1] ?? '', Number(bracket[2])] : [name, 22];
    expect(knownKeyTypesFor(parseKnownHosts(text, file), host, port).length > 0).toBe(found);
  });
});

describe('key blobs', () => {
  it.each(NAMES)('fingerprint of %s equals ssh-keygen -lf', (name) => {
    const printed = execFileSync('ssh-keygen', ['-lf', keys[name].pub], { encoding: 'utf8' });
    expect(fingerprintSha256(keys[name].blob)).toBe(printed.split(' ')[1]);
  });

  it.each(NAMES)('keyTypeOf %s reads the wire type', (name) => {
    expect(keyTypeOf(keys[name].blob)).toBe(keys[name].type);
  });

  it('rejects a truncated blob', () => {
    expect(() => keyTypeOf(Buffer.from([0, 0, 0, 9, 65]))).toThrow(/malformed/);
  });
});

describe('formatKnownHostsLine and hostString', () => {
  it.each([
    ['example.com', 22, 'example.com'],
    ['Example.COM', 22, 'example.com'],
    ['example.com', 2222, '[example.com]:2222'],
    ['::1', 2222, '[::1]:2222'],
  ] as const)('hostString(%s, %i) = %s', (host, port, expected) => {
    expect(hostString(host, port)).toBe(expected);
  });

  it.each([22, 2222])('writes a line that reads back as known (port %i)', (port) => {
    const line = formatKnownHostsLine('new.test', port, keys.A.blob);
    expect(line).toBe(`${hostString('new.test', port)} ${k('A')}`);
    expect(checkHostKey(parseKnownHosts(line, 'f'), 'new.test', port, keys.A.blob)).toEqual({ status: 'known' });
  });
});

describe('knownKeyTypesFor', () => {
  it.each([
    ['example.com', 22, ['ssh-ed25519']],
    ['both.test', 22, ['ecdsa-sha2-nistp256', 'ssh-ed25519']],
    ['ecdsa-only.test', 22, ['ecdsa-sha2-nistp256']],
    ['x.ca.test', 22, []],
    ['bad.wild.test', 22, []],
  ] as const)('%s:%i → %j', (host, port, expected) => {
    expect(knownKeyTypesFor(parse(), host, port)).toEqual(expected);
  });
});
