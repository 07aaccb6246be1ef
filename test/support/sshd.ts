// Access to the run-wide OpenSSH server started by test/support/global-setup.ts.
import os from 'node:os';
import path from 'node:path';
import { describe, inject } from 'vitest';

/** The job records of the rig's key user (sshd logs in as the account running the suite). */
export const JOBS_DIR = path.join(os.userInfo().homedir, '.mtr', 'jobs');

export interface SshdInfo {
  host: string;
  port: number;
  /** Local user name; the server authorises `clientKey` for it. */
  user: string;
  /** Server dir: keys, sshd_config, sshd.log; removed after the run unless MTR_KEEP_TMP is set. */
  dir: string;
  clientKey: string;
  hostKeyPub: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…` */
  knownHostsLine: string;
  /** Password-only user (root runs only); undefined otherwise, see `passwordReason`. */
  password?: { user: string; password: string };
  passwordReason?: string;
  /** World-writable parent for remote dirs (sticky bit). */
  remoteRoot: string;
  /** Parent for local temp projects and homes. */
  localRoot: string;
  /** TMUX_TMPDIR that sshd sets for every session; its tmux servers die with the run. */
  tmuxTmpDir: string;
  logFile: string;
}

export type ProvidedSshd = SshdInfo | { skipReason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    sshd: ProvidedSshd;
  }
}

// Values that let a skipped describe body still collect its tests without touching a server.
const PLACEHOLDER: SshdInfo = {
  host: '127.0.0.1',
  port: 1,
  user: 'nobody',
  dir: '/nonexistent',
  clientKey: '/nonexistent/client_key',
  hostKeyPub: 'ssh-ed25519 AAAA',
  knownHostsLine: '[127.0.0.1]:1 ssh-ed25519 AAAA',
  remoteRoot: '/nonexistent/remote',
  localRoot: '/nonexistent/local',
  tmuxTmpDir: '/nonexistent/tmux',
  logFile: '/nonexistent/sshd.log',
};

/** `{ info }` when the server runs, `{ skipReason }` when e2e tests must be skipped. */
export function injectSshd(): { info: SshdInfo; skipReason?: undefined } | { info?: undefined; skipReason: string } {
  const provided = inject('sshd');
  if (!provided) return { skipReason: 'no sshd info provided: is test/support/global-setup.ts in vitest.config.ts?' };
  if ('skipReason' in provided) return { skipReason: provided.skipReason };
  return { info: provided };
}

/** The server's info; throws when e2e tests are skipped (use inside describeE2E bodies or tests). */
export function useSshd(): SshdInfo {
  const { info, skipReason } = injectSshd();
  if (!info) throw new Error(`sshd is not available: ${skipReason}`);
  return info;
}

/**
 * `describe` that is skipped, with the reason in its title, when no sshd can run.
 * The body always runs (to collect tests); when skipped it receives placeholder info.
 */
export function describeE2E(name: string, body: (sshd: SshdInfo) => void): void {
  const { info, skipReason } = injectSshd();
  const title = skipReason ? `${name} [skipped: ${skipReason}]` : name;
  describe.skipIf(Boolean(skipReason))(title, () => body(info ?? PLACEHOLDER));
}
