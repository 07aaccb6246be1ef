import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import { privateRuntimeDir } from '../util/private-dir.js';
import { buildLockedStart, buildMasterArgs, controlPathFor } from './control.js';
import { listSockets, releaseStartLock, removeStaleSocket, startLockPath, tryStartLock } from './control-dir.js';
import { credentialFingerprint } from './credential-id.js';
import { probeMaster, spawnMaster, stopMaster } from './mux-client.js';
import { buildSshArgs } from './openssh-args.js';
import type { SshTarget } from './target.js';

export interface ReuseOptions {
  reuse: boolean;
  idleSeconds: number;
}

const socketDir = (ctx: Context): string | undefined => privateRuntimeDir(ctx.env);

// Shared connections (OpenSSH ControlMasters): where their sockets are, starting one for the next
// run, closing them all. Riding one is host/open.ts's business.

/** The target OpenSSH commands (rsync) should use: with the shared socket when reuse is on. */
export function planReuse(target: SshTarget, ctx: Context, options: ReuseOptions): SshTarget {
  const dir = options.reuse ? socketDir(ctx) : undefined;
  if (!dir) return target;
  return { ...target, control: { path: controlPathFor(dir, target, credentialFingerprint(target, ctx.homedir)), idleSeconds: options.idleSeconds } };
}

// At most one master per socket: only where nothing listens, one start at a time (the lock), and
// a start that still loses the race exits by itself (buildMasterArgs). The password reaches ssh
// through sshpass's environment only, and sshpass drops it before running ssh.
export async function ensureMaster(target: SshTarget, ctx: Context, logger: Logger): Promise<void> {
  const control = target.control!;
  if ((await probeMaster(control.path)) !== 'gone') return;
  const lock = startLockPath(control.path);
  if (!tryStartLock(lock)) return logger.debug(`another mtr is starting the shared connection ${control.path}`);
  // The lock's last holder may have just finished: look again before logging in once more.
  if ((await probeMaster(control.path)) !== 'gone') return releaseStartLock(lock);
  const sshArgs = buildSshArgs({ ...target, control: undefined }, { homedir: ctx.homedir, batch: true });
  const args = buildMasterArgs(sshArgs, control.path, control.idleSeconds, target.host);
  logger.debug(`starting a shared connection in the background: ${control.path}`);
  const argv = target.password !== undefined ? ['sshpass', '-e', 'ssh', ...args] : ['ssh', ...args];
  const env = target.password !== undefined ? { ...ctx.env, SSHPASS: target.password } : ctx.env;
  if (!spawnMaster('/bin/sh', buildLockedStart(lock, argv), env)) releaseStartLock(lock);
}

/** `mtr --disconnect`: closes every shared connection of this user. Returns how many. */
export async function disconnectAll(ctx: Context): Promise<number> {
  const dir = socketDir(ctx);
  if (!dir) return 0;
  let closed = 0;
  for (const socket of listSockets(dir)) {
    if (await stopMaster(socket, ctx.env)) closed++;
    // Only a socket nobody listens on is removed: one that still answers keeps its master visible.
    if ((await probeMaster(socket)) === 'gone') removeStaleSocket(socket);
  }
  return closed;
}
