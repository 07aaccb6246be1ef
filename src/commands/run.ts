import path from 'node:path';
import type { Context } from '../context.js';
import { EXIT, ExitError, UsageError } from '../errors.js';
import { runBatch } from '../exec/batch.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import { terminalSize } from '../exec/terminal.js';
import { buildJobMeta } from '../jobs/meta.js';
import type { RunOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, joinRemoteDir, type RemoteCommandSpec } from '../remote/command.js';
import { buildStreamScript } from '../remote/job-script.js';
import { checkJobName, generateJobName } from '../remote/job-name.js';
import type { SshConnection } from '../ssh/connect.js';
import { describeSyncPlan, formatPlan } from './plan-text.js';
import { connectSession, prepareSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

// The cwd's place inside the project, as a POSIX path to append to remote_dir.
export function projectSubdir(projectRoot: string, cwd: string): string {
  return path.relative(projectRoot, cwd).split(path.sep).join('/');
}

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
    const { startJob } = await import('../jobs/remote.js');
    const mode = options.detach ? 'detached' : interactive ? 'interactive' : 'batch';
    const feedStdin = mode === 'batch' && ctx.stdinIsData;
    const size = terminalSize(ctx);
    const started = await startJob(connection.client, {
      name: jobName,
      script,
      metaJson: buildJobMeta({
        name: jobName,
        argv: options.command,
        server: server.name,
        cwd: joinRemoteDir(server.remoteDir, spec.subdir),
        started: new Date().toISOString(),
        mode,
      }),
      wrapper: { interactive, stdinFifo: feedStdin },
      ...(interactive ? size : {}),
    });
    logger.debug(`job ${jobName}: ${started}`);
    if (started === 'no-tmux') {
      if (options.detach) {
        throw new UsageError(`tmux is not installed on ${server.name}, so --detach cannot keep a job running`, 'install tmux on the server, or run without --detach');
      }
      ctx.stderr.write(`mtr: tmux not found on ${server.name}; running without a job (it stops if the connection drops)\n`);
      if (interactive) return await interactDirect(ctx, connection, buildRemoteCommand(spec));
      return await streamDirect(ctx, connection, buildRemoteCommand(spec));
    }
    if (options.detach) {
      ctx.stdout.write(`${jobName}\n`);
      return;
    }
    if (interactive) {
      const { attachInteractive } = await import('../exec/attach.js');
      const code = await attachInteractive(ctx, connection, jobName);
      if (code !== 0) throw new ExitError(code);
      return;
    }
    await streamJob(ctx, connection, session, jobName, feedStdin);
  } finally {
    connection.close();
  }
}

// Batch client of a job: streams its output; Ctrl+C / SIGTERM stop the job's process group, a
// second Ctrl+C stops waiting. A dropped link leaves the job running.
async function streamJob(ctx: Context, connection: SshConnection, session: Session, name: string, feedStdin: boolean): Promise<void> {
  const { signalJob } = await import('../jobs/remote.js');
  let stoppedBy: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => {
    if (stoppedBy) return connection.close();
    stoppedBy = signal;
    session.logger.debug(`${signal}: stopping job ${name}`);
    signalJob(connection.client, name, signal === 'SIGINT' ? 'INT' : 'TERM').catch(() => connection.close());
  });
  try {
    const result = await runBatch(connection.client, buildStreamScript(name, { feedStdin, exitWithJob: true }), ctx, {
      lostMessage: `connection lost; job ${name} goes on on the server: \`mtr --attach ${name}\` or \`mtr --logs ${name}\``,
    });
    const code = stoppedBy ? SIGNAL_EXIT[stoppedBy] : result.code;
    if (code !== 0) throw new ExitError(code);
  } finally {
    removeSignals();
  }
}

async function interactDirect(ctx: Context, connection: SshConnection, command: string): Promise<void> {
  const { runInteractive } = await import('../exec/interactive.js');
  const end = await runInteractive(ctx, connection.client, command);
  if (end.how === 'lost') {
    ctx.stderr.write('mtr: connection lost\n');
    throw new ExitError(EXIT.transport);
  }
  if (end.how === 'exit' && end.status !== 0) throw new ExitError(end.status);
}

async function streamDirect(ctx: Context, connection: SshConnection, command: string): Promise<void> {
  let stoppedBy: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => {
    stoppedBy = signal;
    connection.close();
  });
  try {
    const result = await runBatch(connection.client, command, ctx);
    const code = stoppedBy ? SIGNAL_EXIT[stoppedBy] : result.code;
    if (code !== 0) throw new ExitError(code);
  } finally {
    removeSignals();
  }
}
