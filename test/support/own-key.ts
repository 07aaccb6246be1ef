// A client key of one test's own, authorised on the run-wide sshd: its logins can be counted in the
// server's log without counting those of test files running at the same time (which use the rig key).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SshdInfo } from './sshd.js';

export interface OwnKey {
  /** Private key file (no passphrase). */
  file: string;
  /** Logins with this key so far (sshd logs each with the key's fingerprint, at LogLevel VERBOSE). */
  logins(): number;
}

export function makeOwnKey(sshd: SshdInfo): OwnKey {
  const dir = fs.mkdtempSync(path.join(sshd.localRoot, 'key-'));
  const file = path.join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', path.basename(dir), '-f', file]);
  // `256 SHA256:… comment (ED25519)`
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1];
  if (!fingerprint?.startsWith('SHA256:')) throw new Error(`no fingerprint for ${file}`);
  // O_APPEND: a single short write, so keys added by tests at the same time never interleave.
  fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), fs.readFileSync(`${file}.pub`));
  return {
    file,
    // sshd -E ends its lines with CR LF.
    logins: () => fs.readFileSync(sshd.logFile, 'utf8').split(/\r?\n/).filter((line) => line.startsWith('Accepted publickey') && line.endsWith(` ${fingerprint}`)).length,
  };
}
