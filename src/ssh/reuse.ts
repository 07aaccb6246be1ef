import type { Client } from 'ssh2';
import type { Context } from '../context.js';
import type { ExecClient } from '../exec/exec-client.js';
import type { Logger } from '../log.js';
import { buildMasterArgs, controlPathFor } from './control.js';
import { listSockets, privateRuntimeDir, removeStaleSocket } from './control-dir.js';
import { openConnection, type SshConnection } from './connect.js';
import { MuxClient, isMasterAlive, spawnMaster, stopMaster } from './mux-client.js';
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
  return dir ? { ...target, control: { path: controlPathFor(dir, target), idleSeconds: options.idleSeconds } } : target;
}

export async function connectReusing(target: SshTarget, ctx: Context, logger: Logger, options: ReuseOptions): Promise<SshConnection> {
  const controlled = target.control ? target : planReuse(target, ctx, options);
  if (!controlled.control) return openConnection(target, ctx, logger);
  const socket = controlled.control.path;
  if (await isMasterAlive(socket)) {
    logger.debug(`reusing the shared connection ${socket}`);
    return sharedConnection(controlled, ctx, logger);
  }
  removeStaleSocket(socket);
  const direct = await openConnection(controlled, ctx, logger);
  return {
    ...direct,
    close: () => {
      direct.close();
      void ensureMaster(controlled, ctx, logger);
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

async function ensureMaster(target: SshTarget, ctx: Context, logger: Logger): Promise<void> {
  const control = target.control!;
  if (await isMasterAlive(control.path)) return;
  const { buildSshArgs } = await import('../sync/ssh-command.js');
  const sshArgs = buildSshArgs({ ...target, control: undefined }, { homedir: ctx.homedir, batch: true });
  const args = buildMasterArgs(sshArgs, control.path, control.idleSeconds, target.host);
  logger.debug(`starting a shared connection in the background: ${control.path}`);
  if (target.password !== undefined) {
    spawnMaster('sshpass', ['-e', 'ssh', ...args], { ...ctx.env, SSHPASS: target.password });
  } else {
    spawnMaster('ssh', args, ctx.env);
  }
}

/** `mtr --disconnect`: closes every shared connection of this user. Returns how many. */
export async function disconnectAll(ctx: Context): Promise<number> {
  const dir = socketDir(ctx);
  if (!dir) return 0;
  let closed = 0;
  for (const socket of listSockets(dir)) {
    if (await stopMaster(socket, ctx.env)) closed++;
    removeStaleSocket(socket);
  }
  return closed;
}
