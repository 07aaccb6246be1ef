import { describe, expect, it } from 'vitest';
import { describeConnectError } from '../../../src/ssh/connect-error.js';
import type { SshTarget } from '../../../src/ssh/target.js';

const target: SshTarget = {
  label: 'gpu', host: 'gpu.example', port: 2200, user: 'alice', identityFiles: [], explicitKey: false,
  jumps: [], connectTimeoutMs: 15000, hostKeyPolicy: 'ask', knownHostsFiles: ['/h/.ssh/known_hosts'],
};
const errno = (code: string) => Object.assign(new Error(code), { code });
const level = (l: string) => Object.assign(new Error('x'), { level: l });

describe('describeConnectError', () => {
  it.each([
    [errno('ECONNREFUSED'), [], /^cannot connect to gpu.example:2200: connection refused$/],
    [errno('ENOTFOUND'), [], /cannot resolve host name "gpu.example"/],
    [errno('ETIMEDOUT'), [], /timed out after 15 s connecting to gpu.example:2200/],
    [level('client-timeout'), [], /timed out after 15 s waiting for the SSH handshake/],
    [level('client-authentication'), ['key /k', 'password'], /authentication failed for alice@gpu.example:2200 \(tried: key \/k, password\)/],
    [level('client-authentication'), [], /no credentials to offer alice@gpu.example:2200/],
  ] as const)('%s', (error, tried, message) => {
    const out = describeConnectError(error, { target, tried: [...tried] });
    expect(out.message).toMatch(message);
    expect(out.exitCode).toBe(255);
  });

  it('unknown host key: fingerprint and the exact fix', () => {
    const out = describeConnectError(new Error('Host denied'), {
      target, tried: [], refusal: { kind: 'unknown', host: '[gpu.example]:2200', fingerprint: 'SHA256:abc', keyType: 'ssh-ed25519' },
    });
    expect(out.message).toContain('SHA256:abc');
    expect(out.hint).toContain('strict_host_key_checking: accept-new');
  });

  it('changed host key names the file and line', () => {
    const out = describeConnectError(new Error('Host denied'), {
      target, tried: [], refusal: { kind: 'changed', host: '[gpu.example]:2200', fingerprint: 'SHA256:new', keyType: 'ssh-ed25519', file: '/h/.ssh/known_hosts', line: 3 },
    });
    expect(out.message).toMatch(/HOST KEY CHANGED.*\/h\/.ssh\/known_hosts:3/);
    expect(out.hint).toContain('ssh-keygen -R');
  });

  it('revoked host key: file:line and what to do', () => {
    const out = describeConnectError(new Error('Host denied'), {
      target, tried: [], refusal: { kind: 'revoked', host: '[gpu.example]:2200', fingerprint: 'SHA256:bad', keyType: 'ssh-ed25519', file: '/h/.ssh/known_hosts', line: 7 },
    });
    expect(out.message).toBe('host key of [gpu.example]:2200 (ssh-ed25519 SHA256:bad) is marked @revoked in /h/.ssh/known_hosts:7; refusing to connect');
    expect(out.hint).toMatch(/ask the server's admin for its current host key/);
    expect(out.hint).toMatch(/Remove the @revoked line only if you know this key is safe/);
    expect(out.exitCode).toBe(255);
  });
});
