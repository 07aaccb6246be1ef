import { createHash } from 'node:crypto';
import path from 'node:path';
import { planKeepalive } from './keepalive.js';
import type { SshTarget } from './target.js';

// Connection reuse through an OpenSSH ControlMaster: one master per user+server, its socket in a
// private 0700 folder. rsync's ssh and mtr's own commands (as mux clients) share it.

type ControlIdentity = Pick<SshTarget, 'user' | 'host' | 'port' | 'jumps' | 'knownHostsFiles' | 'identityFiles' | 'hostKeyPolicy' | 'deadLinkTimeout'>;

// Short and fixed-length (Unix socket paths are limited to ~104 bytes). Covers the trust context
// too, so a run with other known_hosts files or keys never rides a master it would not have made;
// the credentials (credentialFingerprint: password and key contents, hashed), so a wrong password
// never rides another entry's master; and the dead-link timeout, which a master keeps from its start.
export function controlKey(target: ControlIdentity, credentials: string): string {
  const hops = target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(',');
  const trust = [target.hostKeyPolicy, ...target.knownHostsFiles, '|', ...target.identityFiles, '|', credentials].join('\0');
  const alive = planKeepalive(target.deadLinkTimeout);
  return createHash('sha256').update(`${target.user}@${target.host}:${target.port}|${hops}|${trust}|${alive.intervalSeconds}x${alive.countMax}`).digest('hex').slice(0, 20);
}

export function controlPathFor(dir: string, target: ControlIdentity, credentials: string): string {
  return path.join(dir, `${controlKey(target, credentials)}.sock`);
}

/** ssh expands %-tokens in ControlPath, IdentityFile and UserKnownHostsFile; a literal % must be doubled. */
export const escapePercent = (value: string): string => value.replace(/%/g, '%%');

/** Options that make an ssh become (or reuse) the master and keep it for `idleSeconds`. */
export function controlMasterOptions(controlPath: string, idleSeconds: number): string[] {
  return [
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${escapePercent(controlPath)}`,
    '-o', `ControlPersist=${Math.max(1, Math.round(idleSeconds))}`,
  ];
}

// Mux clients need nothing but the socket: no config file, and a host name that cannot resolve,
// so a dead master fails fast instead of silently opening a new connection.
const MUX_HOST = 'mtr-shared-connection.invalid';

function muxBase(controlPath: string): string[] {
  return ['-F', '/dev/null', '-o', 'ControlMaster=no', '-o', `ControlPath=${escapePercent(controlPath)}`, '-o', 'BatchMode=yes'];
}

/** `ssh` argv (without the program) running one command through the master, no PTY. */
export function buildMuxExecArgs(controlPath: string, command: string): string[] {
  return [...muxBase(controlPath), '-T', MUX_HOST, command];
}

/** `ssh` argv (without the program) carrying one connection to `host:port` through the master (-W). */
export function buildMuxForwardArgs(controlPath: string, host: string, port: number): string[] {
  const where = host.includes(':') ? `[${host}]` : host;
  return [...muxBase(controlPath), '-W', `${where}:${port}`, MUX_HOST];
}

export function buildMuxControlArgs(controlPath: string, op: 'check' | 'exit'): string[] {
  return [...muxBase(controlPath), '-O', op, MUX_HOST];
}

/** What the command that starts a master runs on the server, through the new master: nothing. */
export const MASTER_START_COMMAND = 'exit 0';

// argv for starting a master: ControlMaster=auto + ControlPersist, as rsync's ssh does. ssh logs in,
// forks the master away (its own session, stdio on /dev/null), runs one empty command through it
// and exits. One that loses the race for the socket (another master bound it first) runs that
// command directly and exits, so it never lingers as a socketless connection (`-M -N -f` did). And
// under sshpass the master is in its own session before sshpass exits, so its SIGHUP misses it.
export function buildMasterArgs(sshArgs: readonly string[], controlPath: string, idleSeconds: number, host: string): string[] {
  return [...sshArgs.slice(1), ...controlMasterOptions(controlPath, idleSeconds), '-T', host, MASTER_START_COMMAND];
}

// Runs a master start under /bin/sh, which removes the start lock once the start has ended (the
// master is up, or it failed), also when stopped by a signal: the run that spawned it is long gone
// by then. The lock is $0. (Only SIGKILL leaves it, until it is stale: control-dir.ts.)
export function buildLockedStart(lockPath: string, argv: readonly string[]): string[] {
  return ['-c', 'trap \'rm -f -- "$0"\' EXIT; trap \'exit 129\' HUP; trap \'exit 130\' INT; trap \'exit 143\' TERM; "$@"', lockPath, ...argv];
}
