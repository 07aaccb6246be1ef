import type { Client } from 'ssh2';

// ssh2 first asks the server whether it would take a key (USERAUTH_REQUEST without a signature,
// answered by PK_OK: one round trip) and only then signs. OpenSSH signs at once with a private key
// it holds; so does mtr, by wrapping the one method ssh2 sends that query with, the internal
// `_protocol.authPK`. A refused signature gets the same USERAUTH_FAILURE a refused query does, so
// ssh2 moves on to the next algorithm or key as before. Agent keys (no private key here) keep the
// query; if ssh2's internals ever differ from what this expects, nothing is wrapped.

/** The hash each RSA signature algorithm signs with (ssh2's getKeyAlgos); other keys choose their own. */
const HASH_OF: Record<string, string> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512', 'ssh-rsa': 'sha1' };

interface PrivateKey {
  isPrivateKey(): boolean;
  sign(data: Buffer, hash?: string): Buffer | Error;
}

type Sign = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPK = (username: string, key: unknown, keyAlgo?: string | Sign, sign?: Sign) => void;

function isPrivateKey(key: unknown): key is PrivateKey {
  const k = key as Partial<PrivateKey> | null;
  return typeof k?.isPrivateKey === 'function' && typeof k.sign === 'function' && k.isPrivateKey();
}

/** Call after client.connect(): true when key logins on `client` now sign without asking first. */
export function signKeysFirst(client: Client): boolean {
  const protocol = (client as unknown as { _protocol?: { authPK?: unknown } })._protocol;
  if (!protocol || typeof protocol.authPK !== 'function') return false;
  const query = protocol.authPK as AuthPK;
  const authPK: AuthPK = function (this: unknown, username, key, keyAlgo, sign) {
    if (sign !== undefined || typeof keyAlgo === 'function' || !isPrivateKey(key)) return query.call(this, username, key, keyAlgo, sign);
    const hash = keyAlgo ? HASH_OF[keyAlgo] : undefined;
    const signature = (data: Buffer, done: (signature: Buffer) => void) => {
      const signed = key.sign(data, hash);
      // Could not sign here: ask first after all (ssh2 reports the signing error after PK_OK).
      if (signed instanceof Error) return query.call(this, username, key, keyAlgo);
      done(signed);
    };
    return query.call(this, username, key, keyAlgo, signature);
  };
  protocol.authPK = authPK;
  return true;
}
