import type { Context } from '../context.js';
import { EXIT, ExitError } from '../errors.js';
import { onStopSignals } from '../exec/signals.js';
import type { WatchOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, commandLine, joinRemoteDir, type RemoteCommandSpec } from '../remote/command.js';
import { checkJobName, generateJobName } from '../remote/job-name.js';
import type { JobRunner } from '../watch/job-runner.js';
import { runJobName } from '../watch/restart-plan.js';
import { createWatchStatus } from '../watch/status.js';
import { projectSubdir } from './launch.js';
import { prepareSession, type Session } from './session.js';

// `mtr --watch [command…]`: sync now, then on every change over one kept-open connection; with a
// command, run it as a job and restart it after each sync. Ctrl+C (or SIGTERM) stops the command
// gracefully and ends with 0; a second Ctrl+C stops waiting for that. --dry-run prints the plan.
export async function runWatch(ctx: Context, options: WatchOptions): Promise<void> {
  const name = options.name === undefined ? undefined : checkJobName(options.name);
  const session = await prepareSession(ctx, options);
  if (options.dryRun) return printWatchPlan(ctx, options, session, name);
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
  const spec = watchSpec(ctx, session, options);
  const shown = commandLine(options.command);
  return createJobRunner({
    ctx,
    server: server.name,
    baseName: name ?? generateJobName(config.projectRoot),
    argv: options.command,
    script: buildRemoteScript(spec),
    remoteCwd: joinRemoteDir(server.remoteDir, spec.subdir),
    project: server.remoteDir,
    onEnd: (_run, code) => say(`\`${shown}\` exited with code ${code}; waiting for changes`),
    onStartError: fail,
  });
}

function watchSpec(ctx: Context, session: Session, options: WatchOptions): RemoteCommandSpec {
  const { server, config } = session;
  return {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(config.projectRoot, ctx.cwd),
    preCmd: server.preCmd,
    argv: options.command,
    env: { PYTHONUNBUFFERED: '1' },
  };
}

// --watch --dry-run: the first sync's plan, how changes follow, and the command each change
// restarts. Returns at once: nothing connects, nothing is watched, nothing runs.
async function printWatchPlan(ctx: Context, options: WatchOptions, session: Session, name: string | undefined): Promise<void> {
  const { server, config } = session;
  const { chosenBy } = await import('./run.js');
  const { describeSyncPlan, formatPlan } = await import('./plan-text.js');
  const deleting = options.deleteRemote || server.delete;
  const refusal = deleting ? (await import('../sync/sftp-plan.js')).precheckDeleteTarget(server.remoteDir) : undefined;
  const first = await describeSyncPlan(session, deleting, refusal);
  const spec = watchSpec(ctx, session, options);
  const hasCommand = options.command.length > 0;
  const base = name ?? generateJobName(config.projectRoot);
  ctx.stdout.write(
    formatPlan(
      {
        server,
        chosenBy: chosenBy(options, ctx, session),
        target: session.target,
        projectRoot: config.projectRoot,
        remoteDir: joinRemoteDir(server.remoteDir, spec.subdir),
        sync: `${first}\n  then every local change, as it happens, over one kept-open connection (until Ctrl+C)`,
        job: hasCommand
          ? `${runJobName(base, 1)}, then ${runJobName(base, 2)}, … (tmux -L mtr): started after the first sync; on every change stopped (SIGINT, then SIGTERM) and started again`
          : '(none: --watch without a command only syncs)',
        ...(hasCommand ? { script: buildRemoteScript(spec), command: buildRemoteCommand(spec) } : {}),
      },
      Boolean(ctx.env.SSH_AUTH_SOCK),
    ),
  );
  if (refusal) throw refusal;
}
