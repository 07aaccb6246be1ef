import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_IDENTITIES, type SshTarget } from './target.js';

// What a login of this target would prove itself with, as one digest: the password's hash and each
// key file's path and content hash (the configured ones, else the default keys, as loadIdentities
// reads them). It goes into the shared connection's name, so an entry with another password or key
// for the same user@host:port never rides a master that other credentials opened. (Agent keys are
// left out: the agent's socket changes with every login session, and would end every reuse.)
export function credentialFingerprint(target: Pick<SshTarget, 'identityFiles' | 'password'>, homedir: string): string {
  const files = target.identityFiles.length ? target.identityFiles : DEFAULT_IDENTITIES.map((name) => path.join(homedir, '.ssh', name));
  const parts = files.map((file) => `${file}\0${contentHash(file)}`);
  if (target.password !== undefined) parts.push(`password\0${sha256(Buffer.from(target.password, 'utf8'))}`);
  return sha256(Buffer.from(parts.join('\n'), 'utf8'));
}

function contentHash(file: string): string {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return 'unreadable';
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
