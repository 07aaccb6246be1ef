import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import type { Host, HostPlan } from './types.js';

// Where commands get their hosts when a pool is in use (host/host-pool.ts, the MCP server's). It
// rides on Context, which sits below every host module and so cannot name one: this module adds
// the field to Context's interface (a TypeScript module augmentation), so the arrow points down.

export interface HostSource {
  lease(plan: HostPlan, ctx: Context, logger: Logger): Promise<Host>;
}

declare module '../context.js' {
  interface Context {
    /** Hosts kept open across commands (the MCP server's pool); absent: each command connects itself. */
    hostSource?: HostSource;
  }
}
