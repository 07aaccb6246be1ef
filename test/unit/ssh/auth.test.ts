import { describe, expect, it } from 'vitest';
import { createAuthHandler, planAuth, type Identity } from '../../../src/ssh/auth.js';

const key: Identity = { path: '/k/id_ed25519', key: Buffer.from('k') };

describe('planAuth', () => {
  it.each([
    [{ identities: [key] }, ['publickey']],
    [{ identities: [key], agentSocket: '/a' }, ['publickey', 'agent']],
    [{ identities: [key], agentSocket: '/a', password: 'pw' }, ['publickey', 'agent', 'password', 'keyboard-interactive']],
    [{ identities: [], password: 'pw' }, ['password', 'keyboard-interactive']],
    [{ identities: [] }, []],
  ])('%j → %j', (input, types) => {
    expect(planAuth(input).map((s) => s.type)).toEqual(types);
  });
});

describe('createAuthHandler', () => {
  it('offers methods in order, skips ones the server does not allow, records what it tried', () => {
    const tried: string[] = [];
    const handler = createAuthHandler('alice', planAuth({ identities: [key], agentSocket: '/a', password: 'pw' }), tried);
    expect(handler(null)).toMatchObject({ type: 'publickey', username: 'alice' });
    expect(handler(['password'])).toMatchObject({ type: 'password', password: 'pw' });
    expect(handler(['password'])).toBe(false);
    expect(tried).toEqual(['key /k/id_ed25519', 'password']);
  });

  it('answers keyboard-interactive prompts with the password', () => {
    const handler = createAuthHandler('bob', planAuth({ identities: [], password: 'pw' }), []);
    const step = handler(['keyboard-interactive']) as { prompt: (...a: unknown[]) => void };
    let answers: string[] = [];
    step.prompt('', '', '', [{ prompt: 'Password:' }], (a: string[]) => (answers = a));
    expect(answers).toEqual(['pw']);
  });
});
