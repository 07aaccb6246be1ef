import type { Client } from 'ssh2';
import type { Context } from '../context.js';
import type { ExecClient } from '../exec/exec-client.js';
import type { Logger } from '../log.js';
import { buildLockedStart, buildMasterArgs, controlPathFor } from './control.js';
import { privateRuntimeDir } from '../util/private-dir.js';
import { listSockets, releaseStartLock, removeStaleSocket, startLockPath, tryStartLock } from './control-dir.js';
import { openConnection, type SshConnection } from './connect.js';
import { credentialFingerprint } from './credential-id.js';
import { MuxClient, probeMaster, spawnMaster, stopMaster } from './mux-client.js';
import { buildSshArgs } from './openssh-args.js';
import type { SshTarget } from './target.js';

export interface ReuseOptions {
  reuse: boolean;
  idleSeconds: number;
}

const socketDir = (ctx: Context): string | undefined => privateRuntimeDir(ctx.env);

// A warm run finds a live master and sends its commands (and rsync) through it: no handshake.
// A cold run connects with ssh2 as usual (its rsync rides that connection through the relay); a
// master is started in the background when the run ends, for the next run (an rsync that runs its
// own ssh may become it first). Any trouble means a plain connection.
/** The target OpenSSH commands (rsync) should use: with the shared socket when reuse is on. */
export function planReuse(target: SshTarget, ctx: Context, options: ReuseOptions): SshTarget {
  const dir = options.reuse ? socketDir(ctx) : undefined;
  if (!dir) return target;
  return { ...target, control: { path: controlPathFor(dir, target, credentialFingerprint(target, ctx.homedir)), idleSeconds: options.idleSeconds } };
}

export async function connectReusing(target: SshTarget, ctx: Context, logger: Logger, options: ReuseOptions): Promise<SshConnection> {
  const controlled = target.control ? target : planReuse(target, ctx, options);
  if (!controlled.control) return openConnection(target, ctx, logger);
  const socket = controlled.control.path;
  const state = await probeMaster(socket);
  if (state === 'alive') {
    logger.debug(`reusing the shared connection ${socket}`);
    return sharedConnection(controlled, ctx, logger);
  }
  // A socket that answers nothing in time is left alone (replacing it would hide a live master).
  if (state === 'unresponsive') logger.debug(`the shared connection ${socket} does not answer; connecting directly`);
  const direct = await openConnection(controlled, ctx, logger);
  return {
    ...direct,
    close: () => {
      direct.close();
      ensureMaster(controlled, ctx, logger).catch((error: unknown) => logger.debug(`no shared connection started: ${String(error)}`));
    },
  };
}

function sharedConnection(target: SshTarget, ctx: Context, logger: Logger): SshConnection {
  let direct: Promise<SshConnection> | undefined;
  const socket = target.control!.path;
  const mux = new MuxClient(socket, ctx.env, () => logger.debug(`the shared connection ${socket} died (its link to ${target.host}:${target.port} is gone)`));
  return {
    // MuxChannel provides the ClientChannel surface mtr's batch code uses (see mux-client.ts).
    client: mux as unknown as ExecClient,
    target,
    shared: true,
    ssh2: async () => {
      direct ??= openConnection(target, ctx, logger);
      return (await direct).client as Client;
    },
    close: () => {
      mux.end();
      void direct?.then((connection) => connection.close(), () => undefined);
    },
  };
}

// At most one master per socket: only where nothing listens, one start at a time (the lock), and
// a start that still loses the race exits by itself (buildMasterArgs). The password reaches ssh
// through sshpass's environment only, and sshpass drops it before running ssh.
async function ensureMaster(target: SshTarget, ctx: Context, logger: Logger): Promise<void> {
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
