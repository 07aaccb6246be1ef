import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import { askLine, canPrompt } from '../ui/prompt.js';
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  hostString,
  keyTypeOf,
  knownKeyTypesFor,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';
import type { SshTarget } from './target.js';

/** Why a host key was refused; read by the connect error mapper. */
export type HostKeyRefusal =
  | { kind: 'unknown'; host: string; fingerprint: string; keyType: string }
  | { kind: 'changed' | 'revoked'; host: string; fingerprint: string; keyType: string; file: string; line: number }
  /** Ctrl+C at the question. */
  | { kind: 'cancelled'; host: string; fingerprint: string; keyType: string };

export function readKnownHosts(files: readonly string[]): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const file of [...files, '/etc/ssh/ssh_known_hosts']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    entries.push(...parseKnownHosts(text, file));
  }
  return entries;
}

export function appendKnownHost(file: string, line: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const existing = fs.readFileSync(file, 'utf8');
    if (existing && !existing.endsWith('\n')) prefix = '\n';
  } catch {
    // new file
  }
  fs.appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
}

/** Key types already trusted for the target, to put first in the server host key algorithms. */
export function preferredHostKeyTypes(target: SshTarget): string[] {
  return knownKeyTypesFor(readKnownHosts(target.knownHostsFiles), target.host, target.port);
}

// Builds ssh2's hostVerifier: known → go on; changed/revoked → refuse; unknown → policy (ask/record/refuse).
export function createHostVerifier(target: SshTarget, ctx: Context, logger: Logger, onRefuse: (r: HostKeyRefusal) => void) {
  return (key: Buffer, done: (ok: boolean) => void): void => {
    const host = hostString(target.host, target.port);
    const fingerprint = fingerprintSha256(key);
    const keyType = keyTypeOf(key);
    const status = checkHostKey(readKnownHosts(target.knownHostsFiles), target.host, target.port, key);
    logger.debug(`host key for ${host}: ${keyType} ${fingerprint} → ${status.status}`);
    if (status.status === 'known') return done(true);
    if (status.status === 'changed' || status.status === 'revoked') {
      onRefuse({ kind: status.status, host, fingerprint, keyType, file: status.file, line: status.line });
      return done(false);
    }
    const record = () => appendKnownHost(target.knownHostsFiles[0] as string, formatKnownHostsLine(target.host, target.port, key));
    if (target.hostKeyPolicy === 'accept-new') {
      record();
      ctx.stderr.write(`mtr: added ${host} (${keyType} ${fingerprint}) to ${target.knownHostsFiles[0]}\n`);
      return done(true);
    }
    if (target.hostKeyPolicy === 'ask' && canPrompt(ctx)) {
      const question =
        `The authenticity of host '${host}' can't be established.\n` +
        `${keyType} key fingerprint is ${fingerprint}.\n` +
        `Are you sure you want to continue connecting (yes/no)? `;
      askLine(ctx, question).then(
        (answer) => {
          if (answer.trim().toLowerCase() === 'yes') {
            record();
            return done(true);
          }
          onRefuse({ kind: 'unknown', host, fingerprint, keyType });
          done(false);
        },
        () => {
          onRefuse({ kind: 'cancelled', host, fingerprint, keyType });
          done(false);
        },
      );
      return;
    }
    onRefuse({ kind: 'unknown', host, fingerprint, keyType });
    done(false);
  };
}
