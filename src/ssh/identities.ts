import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { ConnectionError, UsageError } from '../errors.js';
import { askSecret, canPrompt } from '../ui/prompt.js';
import type { Identity } from './auth.js';
import type { Ssh2 } from './load-ssh2.js';
import { DEFAULT_IDENTITIES, type SshTarget } from './target.js';

type KeyState = { kind: 'ok' } | { kind: 'encrypted' } | { kind: 'bad'; message: string };

function inspectKey(ssh2: Ssh2, data: Buffer, passphrase?: string): KeyState {
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (!(parsed instanceof Error)) {
    // parseKey also accepts public keys; only a private key can sign.
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    return key?.isPrivateKey() ? { kind: 'ok' } : { kind: 'bad', message: 'this is a public key' };
  }
  if (/encrypted|passphrase|decrypt/i.test(parsed.message)) return { kind: 'encrypted' };
  return { kind: 'bad', message: parsed.message };
}

// Reads the keys to offer. A configured key_filename must exist and be usable; keys found through
// ~/.ssh/config or the defaults are skipped quietly when they can't be used, as ssh does.
export async function loadIdentities(
  ssh2: Ssh2,
  target: SshTarget,
  ctx: Context,
  agentSocket: string | undefined,
): Promise<Identity[]> {
  const explicit = target.identityFiles.length > 0;
  const files = explicit ? target.identityFiles : DEFAULT_IDENTITIES.map((n) => path.join(ctx.homedir, '.ssh', n));
  const identities: Identity[] = [];
  for (const [index, file] of files.entries()) {
    const required = target.explicitKey && index === 0;
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (error) {
      if (required) throw new UsageError(`key_filename ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`, 'fix key_filename in .mtr/config.yaml');
      continue;
    }
    const state = inspectKey(ssh2, data);
    if (state.kind === 'ok') {
      identities.push({ path: file, key: data });
    } else if (state.kind === 'bad') {
      if (required) throw new UsageError(`key_filename ${file} is not a private key I can read: ${state.message}`, 'point key_filename at a private key (not the .pub file)');
    } else if (agentSocket) {
      // An encrypted key is usually loaded in the agent; let the agent answer for it.
      continue;
    } else if (canPrompt(ctx)) {
      const passphrase = await askSecret(ctx, `Enter passphrase for key '${file}': `);
      if (inspectKey(ssh2, data, passphrase).kind !== 'ok') {
        throw new ConnectionError(`wrong passphrase for key ${file}`);
      }
      identities.push({ path: file, key: data, passphrase });
    } else if (required) {
      throw new ConnectionError(
        `key ${file} is encrypted and no ssh-agent is running to unlock it`,
        `run \`eval "$(ssh-agent)" && ssh-add ${file}\`, or run mtr at a terminal to type the passphrase`,
      );
    }
  }
  return identities;
}
