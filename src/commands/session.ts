import { loadConfig } from '../config/load.js';
import { selectServer } from '../config/select.js';
import type { LoadedConfig, ServerConfig } from '../config/types.js';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import type { GlobalOptions } from '../options.js';
import { readTargetEnv } from '../ssh/read-ssh-config.js';
import type { SshConnection } from '../ssh/connect.js';
import { resolveTarget, type SshTarget } from '../ssh/target.js';
import { openLogger } from './logger.js';

// Everything a command needs before it talks to a server: config, chosen server, logger, target.
export interface Session {
  config: LoadedConfig;
  server: ServerConfig;
  target: SshTarget;
  logger: Logger;
  /** Use (or leave behind) a shared connection. */
  reuse: boolean;
}

export async function prepareSession(ctx: Context, options: Pick<GlobalOptions, 'enableLog' | 'logFile'> & { server?: string; reuse?: boolean }): Promise<Session> {
  const config = await loadConfig(ctx);
  for (const warning of config.warnings) ctx.stderr.write(`mtr: warning: ${warning}\n`);
  const server = selectServer(config, { flag: options.server, env: ctx.env });
  const logger = openLogger(options, config, ctx);
  logger.addSecret(server.password);
  const target = resolveTarget(server, readTargetEnv(ctx));
  return { config, server, target, logger, reuse: options.reuse !== false && server.reuse };
}

export async function connectSession(session: Session, ctx: Context): Promise<SshConnection> {
  const { connectReusing } = await import('../ssh/reuse.js');
  return connectReusing(session.target, ctx, session.logger, { reuse: session.reuse, idleSeconds: session.server.reuseIdle });
}
