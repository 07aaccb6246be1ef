import type { Context } from '../context.js';
import { EXIT, ExitError } from '../errors.js';
import { onStopSignals } from '../exec/signals.js';
import type { WatchOptions } from '../options.js';
import { buildRemoteScript, commandLine, joinRemoteDir } from '../remote/command.js';
import { checkJobName, generateJobName } from '../remote/job-name.js';
import type { JobRunner } from '../watch/job-runner.js';
import { createWatchStatus } from '../watch/status.js';
import { projectSubdir } from './launch.js';
import { prepareSession, type Session } from './session.js';

// `mtr --watch [command…]`: sync now, then on every change over one kept-open connection; with a
// command, run it as a job and restart it after each sync. Ctrl+C (or SIGTERM) stops the command
// gracefully and ends with 0; a second Ctrl+C stops waiting for that.
export async function runWatch(ctx: Context, options: WatchOptions): Promise<void> {
  const name = options.name === undefined ? undefined : checkJobName(options.name);
  const session = await prepareSession(ctx, options);
  const { server, logger } = session;
  const hasCommand = options.command.length > 0;
  const status = createWatchStatus(ctx, {
    live: !hasCommand && options.tty !== false && Boolean(ctx.stderr.isTTY),
    quiet: options.quiet,
    target: server.name,
  });
  logger.debug(`mtr watch: server=${server.name} argv=${JSON.stringify(options.command)}`);

  let fatal: { error: unknown } | undefined;
  let wake: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (wake = resolve));
  const fail = (error: unknown) => {
    fatal ??= { error };
    wake();
  };
  let force: () => void = () => undefined;
  const forced = new Promise<void>((resolve) => (force = resolve));
  const runner = hasCommand ? await createRunner(ctx, session, options, name, status.line, fail) : undefined;
  const { createWatchLoop } = await import('../watch/loop.js');
  const { openConnection } = await import('../ssh/connect.js');
  // A dedicated ssh2 connection (not a shared master): it carries SFTP and outlives many syncs.
  const loop = createWatchLoop({
    ctx,
    session,
    status,
    deleteRemote: options.deleteRemote || server.delete,
    connect: () => openConnection(session.target, ctx, logger),
    ...(runner ? { runner } : {}),
    fail,
  });
  let signals = 0;
  const removeSignals = onStopSignals((signal) => {
    logger.debug(`watch: ${signal}`);
    if (++signals > 1) force();
    wake();
  });
  void loop.start().catch(fail);
  try {
    await ended;
    const stopped = await Promise.race([loop.stop().then(() => true), forced.then(() => false)]);
    if (!stopped) {
      loop.abandon();
      ctx.stderr.write('\nmtr: stopped without waiting; the command may still run on the server (`mtr --jobs`)\n');
      throw new ExitError(EXIT.sigint);
    }
  } finally {
    removeSignals();
  }
  if (fatal) throw fatal.error;
}

async function createRunner(
  ctx: Context,
  session: Session,
  options: WatchOptions,
  name: string | undefined,
  say: (text: string) => void,
  fail: (error: unknown) => void,
): Promise<JobRunner> {
  const { createJobRunner } = await import('../watch/job-runner.js');
  const { server, config } = session;
  const spec = {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(config.projectRoot, ctx.cwd),
    preCmd: server.preCmd,
    argv: options.command,
    env: { PYTHONUNBUFFERED: '1' },
  };
  const shown = commandLine(options.command);
  return createJobRunner({
    ctx,
    server: server.name,
    baseName: name ?? generateJobName(config.projectRoot),
    argv: options.command,
    script: buildRemoteScript(spec),
    remoteCwd: joinRemoteDir(server.remoteDir, spec.subdir),
    project: server.remoteDir,
    killGrace: server.killGrace,
    onEnd: (_run, code) => say(`\`${shown}\` exited with code ${code}; waiting for changes`),
    onStartError: fail,
  });
}
