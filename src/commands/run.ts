import type { Context } from '../context.js';
import { EXIT, ExitError, UsageError } from '../errors.js';
import { terminalSize } from '../exec/terminal.js';
import { buildJobMeta } from '../jobs/meta.js';
import type { RunOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, joinRemoteDir, type RemoteCommandSpec } from '../remote/command.js';
import type { StartSpec } from '../remote/job-script.js';
import { checkJobName, generateJobName } from '../remote/job-name.js';
import type { SshConnection } from '../ssh/connect.js';
import { launchAndStream, noTmuxNotice, projectSubdir } from './launch.js';
import { describeSyncPlan, formatPlan } from './plan-text.js';
import { connectSession, prepareSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

export { projectSubdir };

function chosenBy(options: RunOptions, ctx: Context, session: Session): string {
  if (options.server) return 'from -s';
  if (ctx.env.MTR_SERVER) return 'from MTR_SERVER';
  if (session.config.defaultServer) return 'default';
  return 'first server';
}

export async function runRun(ctx: Context, options: RunOptions): Promise<void> {
  if (!options.command.length) {
    throw new UsageError('no command given', 'usage: mtr [options] <command...>, e.g. `mtr python train.py` (see `mtr --help`)');
  }
  const name = options.name ? checkJobName(options.name) : undefined;
  const session = await prepareSession(ctx, options);
  const { config, server, logger } = session;
  logger.debug(`mtr run: server=${server.name} argv=${JSON.stringify(options.command)}`);

  const spec: RemoteCommandSpec = {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(config.projectRoot, ctx.cwd),
    preCmd: server.preCmd,
    argv: options.command,
    env: { PYTHONUNBUFFERED: '1' },
  };
  const script = buildRemoteScript(spec);
  const jobName = name ?? generateJobName(config.projectRoot);

  if (options.dryRun) {
    const syncText = options.sync === false ? 'skipped (--no-sync)' : await describeSyncPlan(session, options.deleteRemote || server.delete);
    ctx.stdout.write(
      formatPlan(
        {
          server,
          chosenBy: chosenBy(options, ctx, session),
          target: session.target,
          projectRoot: config.projectRoot,
          remoteDir: joinRemoteDir(server.remoteDir, spec.subdir),
          sync: syncText,
          job: `${jobName} (tmux -L mtr, ~/.mtr/jobs/${jobName})${options.detach ? ', detached' : ''}`,
          script,
          command: buildRemoteCommand(spec),
        },
        Boolean(ctx.env.SSH_AUTH_SOCK),
      ),
    );
    return;
  }

  const interactive = !options.detach && (options.tty ?? Boolean(ctx.stdin.isTTY && ctx.stdout.isTTY));
  const connection = await connectSession(session, ctx);
  try {
    if (options.sync !== false) {
      await runSyncStep(ctx, session, connection, { live: interactive, quiet: options.quiet, deleteRemote: options.deleteRemote });
    }
    const startSpec: StartSpec = {
      name: jobName,
      script,
      metaJson: buildJobMeta({
        name: jobName,
        argv: options.command,
        server: server.name,
        cwd: joinRemoteDir(server.remoteDir, spec.subdir),
        started: new Date().toISOString(),
        mode: options.detach ? 'detached' : interactive ? 'interactive' : 'batch',
      }),
      wrapper: { interactive, stdinFifo: !options.detach && !interactive && ctx.stdinIsData },
      ...(interactive ? terminalSize(ctx) : {}),
    };
    if (!options.detach && !interactive) {
      return await launchAndStream(ctx, connection, session, startSpec, buildRemoteCommand(spec));
    }
    const { startJob } = await import('../jobs/remote.js');
    const started = await startJob(connection.client, startSpec);
    logger.debug(`job ${jobName}: ${started}`);
    if (started === 'no-tmux') {
      if (options.detach) {
        throw new UsageError(`tmux is not installed on ${server.name}, so --detach cannot keep a job running`, 'install tmux on the server, or run without --detach');
      }
      ctx.stderr.write(noTmuxNotice(server.name));
      return await interactDirect(ctx, connection, buildRemoteCommand(spec));
    }
    if (options.detach) {
      ctx.stdout.write(`${jobName}\n`);
      return;
    }
    const { attachInteractive } = await import('../exec/attach.js');
    const code = await attachInteractive(ctx, connection, jobName);
    if (code !== 0) throw new ExitError(code);
  } finally {
    connection.close();
  }
}

async function interactDirect(ctx: Context, connection: SshConnection, command: string): Promise<void> {
  const { runInteractive } = await import('../exec/interactive.js');
  const end = await runInteractive(ctx, await connection.ssh2(), command);
  if (end.how === 'lost') {
    ctx.stderr.write('mtr: connection lost\n');
    throw new ExitError(EXIT.transport);
  }
  if (end.how === 'exit' && end.status !== 0) throw new ExitError(end.status);
}
