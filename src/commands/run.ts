import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { selectServer } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import type { Context } from '../context.js';
import { ExitError, UsageError } from '../errors.js';
import { runBatch } from '../exec/batch.js';
import { SIGNAL_EXIT, onStopSignals } from '../exec/signals.js';
import { createFileLogger, defaultLogPath, nullLogger, type Logger } from '../log.js';
import type { RunOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, joinRemoteDir, type RemoteCommandSpec } from '../remote/command.js';
import { readTargetEnv } from '../ssh/read-ssh-config.js';
import { resolveTarget } from '../ssh/target.js';
import { formatPlan } from './plan-text.js';

export function openLogger(options: Pick<RunOptions, 'enableLog' | 'logFile'>, config: LoadedConfig | undefined, ctx: Context): Logger {
  if (options.logFile) return createFileLogger(path.resolve(ctx.cwd, options.logFile));
  if (options.enableLog) return createFileLogger(defaultLogPath(config?.projectRoot ?? ctx.cwd, new Date()));
  return nullLogger;
}

// The cwd's place inside the project, as a POSIX path to append to remote_dir.
export function projectSubdir(projectRoot: string, cwd: string): string {
  const rel = path.relative(projectRoot, cwd);
  return rel.split(path.sep).join('/');
}

function chosenBy(options: RunOptions, ctx: Context, config: LoadedConfig): string {
  if (options.server) return 'from -s';
  if (ctx.env.MTR_SERVER) return 'from MTR_SERVER';
  if (config.defaultServer) return 'default';
  return 'first server';
}

export async function runRun(ctx: Context, options: RunOptions): Promise<void> {
  if (!options.command.length) {
    throw new UsageError('no command given', 'usage: mtr [options] <command...>, e.g. `mtr python train.py` (see `mtr --help`)');
  }
  const config = await loadConfig(ctx);
  for (const warning of config.warnings) ctx.stderr.write(`mtr: warning: ${warning}\n`);
  const server = selectServer(config, { flag: options.server, env: ctx.env });
  const logger = openLogger(options, config, ctx);
  logger.addSecret(server.password);
  logger.debug(`mtr run: server=${server.name} argv=${JSON.stringify(options.command)}`);

  const spec: RemoteCommandSpec = {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(config.projectRoot, ctx.cwd),
    preCmd: server.preCmd,
    argv: options.command,
    env: { PYTHONUNBUFFERED: '1' },
  };
  const command = buildRemoteCommand(spec);
  const target = resolveTarget(server, readTargetEnv(ctx));
  const syncText = options.sync === false ? 'skipped (--no-sync)' : `${server.sync}: ${config.projectRoot} → ${server.remoteDir}`;

  if (options.dryRun) {
    const view = {
      server,
      chosenBy: chosenBy(options, ctx, config),
      target,
      projectRoot: config.projectRoot,
      remoteDir: joinRemoteDir(server.remoteDir, spec.subdir),
      sync: syncText,
      script: buildRemoteScript(spec),
      command,
    };
    ctx.stdout.write(formatPlan(view, Boolean(ctx.env.SSH_AUTH_SOCK)));
    return;
  }

  const { openConnection } = await import('../ssh/connect.js');
  const connection = await openConnection(target, ctx, logger);
  let stoppedBy: number | undefined;
  const removeSignals = onStopSignals((signal) => {
    stoppedBy = SIGNAL_EXIT[signal];
    logger.debug(`received ${signal}; closing the remote command`);
    connection.close();
  });
  try {
    logger.debug(`remote command: ${command}`);
    const result = await runBatch(connection.client, command, ctx);
    logger.debug(`remote exit status ${result.code}`);
    const code = stoppedBy ?? result.code;
    if (code !== 0) throw new ExitError(code);
  } finally {
    removeSignals();
    connection.close();
  }
}
