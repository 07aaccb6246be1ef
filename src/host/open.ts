import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import { openConnection } from '../ssh/connect.js';
import { probeMaster } from '../ssh/mux-client.js';
import { ensureMaster } from '../ssh/reuse.js';
import { DirectHost } from './direct-host.js';
import { SharedHost } from './shared-host.js';
import type { Host, HostPlan } from './types.js';

// The one way to get a Host: from a plan saying which server, where, and whether to share.


// A warm run finds a live master and sends its commands (and rsync) through it: no handshake.
// A cold run connects with ssh2 as usual (its rsync rides that connection through the relay); a
// master is started in the background when the run ends, for the next run (an rsync that runs its
// own ssh may become it first). Any trouble means a plain connection.
export async function openHost(plan: HostPlan, ctx: Context, logger: Logger): Promise<Host> {
  const { server, target } = plan;
  const direct = async (afterClose?: () => void) => new DirectHost(server, await openConnection(target, ctx, logger), afterClose, logger);
  if (!plan.reuse || !target.control) return direct();
  const socket = target.control.path;
  const state = await probeMaster(socket);
  if (state === 'alive') {
    logger.debug(`reusing the shared connection ${socket}`);
    return new SharedHost(server, target, socket, ctx.env, logger, () => direct());
  }
  // A socket that answers nothing in time is left alone (replacing it would hide a live master).
  if (state === 'unresponsive') logger.debug(`the shared connection ${socket} does not answer; connecting directly`);
  return direct(() => {
    ensureMaster(target, ctx, logger).catch((error: unknown) => logger.debug(`no shared connection started: ${String(error)}`));
  });
}
