import { loadConfigCached } from '../config/cache.js';
import { selectServer, selectServers } from '../config/select.js';
import type { LoadedConfig, ServerConfig } from '../config/types.js';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import type { GlobalOptions } from '../options.js';
import { readTargetEnv } from '../ssh/read-ssh-config.js';
import type { SshConnection } from '../ssh/connect.js';
import { connectReusing, planReuse } from '../ssh/reuse.js';
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

export type SessionOptions = Pick<GlobalOptions, 'enableLog' | 'logFile'> & { server?: string; all?: boolean; reuse?: boolean };

export async function loadProject(ctx: Context): Promise<LoadedConfig> {
  const config = await loadConfigCached(ctx);
  for (const warning of config.warnings) ctx.stderr.write(`mtr: warning: ${warning}\n`);
  return config;
}

export function sessionFor(ctx: Context, config: LoadedConfig, server: ServerConfig, options: SessionOptions, logger = openLogger(options, config, ctx)): Session {
  logger.addSecret(server.password);
  const target = resolveTarget(server, readTargetEnv(ctx));
  return { config, server, target, logger, reuse: options.reuse !== false && server.reuse };
}

/** One server (the single-server commands). */
export async function prepareSession(ctx: Context, options: SessionOptions): Promise<Session> {
  const config = await loadProject(ctx);
  return sessionFor(ctx, config, selectServer(config, { flag: options.server, env: ctx.env }).server, options);
}

/** One or more servers: `-s a,b`, groups, --all. */
export async function prepareSessions(ctx: Context, options: SessionOptions): Promise<Session[]> {
  const config = await loadProject(ctx);
  const servers = selectServers(config, { flag: options.server, env: ctx.env, all: options.all });
  const logger = openLogger(options, config, ctx);
  return servers.map(({ server }) => sessionFor(ctx, config, server, options, logger));
}

export async function connectSession(session: Session, ctx: Context): Promise<SshConnection> {
  return connectReusing(await commandTarget(session, ctx), ctx, session.logger, { reuse: session.reuse, idleSeconds: session.server.reuseIdle });
}

/** The target with the shared-connection socket filled in (when reuse is on): what rsync's ssh uses. */
export async function commandTarget(session: Session, ctx: Context): Promise<SshTarget> {
  if (session.target.control || !session.reuse) return session.target;
  session.target = planReuse(session.target, ctx, { reuse: session.reuse, idleSeconds: session.server.reuseIdle });
  return session.target;
}
