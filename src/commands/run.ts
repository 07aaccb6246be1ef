import path from 'node:path';
import type { Context } from '../context.js';
import { EXIT, ExitError, UsageError } from '../errors.js';
import { runBatch } from '../exec/batch.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import { terminalSize } from '../exec/terminal.js';
import { buildJobMeta } from '../jobs/meta.js';
import type { RunOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, joinRemoteDir, type RemoteCommandSpec } from '../remote/command.js';
import type { StartSpec } from '../remote/job-script.js';
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

function noTmuxNotice(server: string): string {
  return `mtr: tmux not found on ${server}; running without a job (it stops if the connection drops)\n`;
}

// Batch run in one exec: start the job and stream it (or, without tmux, run it directly).
// Ctrl+C / SIGTERM stop the job's process group; a second Ctrl+C stops waiting. A dropped link
// leaves the job running.
async function launchAndStream(ctx: Context, connection: SshConnection, session: Session, spec: StartSpec, fallback: string): Promise<void> {
  const { interpretLaunchStatus, signalJob } = await import('../jobs/remote.js');
  const { buildLaunchScript } = await import('../remote/job-script.js');
  let launch: 'started' | 'no-tmux' | undefined;
  let launchError: unknown;
  let stoppedBy: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => {
    if (stoppedBy || launch !== 'started') return connection.close();
    stoppedBy = signal;
    session.logger.debug(`${signal}: stopping job ${spec.name}`);
    signalJob(connection.client, spec.name, signal === 'SIGINT' ? 'INT' : 'TERM').catch(() => connection.close());
  });
  try {
    const script = buildLaunchScript(spec, { stream: { feedStdin: spec.wrapper.stdinFifo }, fallback });
    const result = await runBatch(connection.client, script, ctx, {
      lostMessage: `connection lost; job ${spec.name} goes on on the server: \`mtr --attach ${spec.name}\` or \`mtr --logs ${spec.name}\``,
      onHeader: (status) => {
        if (status === undefined) return false;
        try {
          launch = interpretLaunchStatus(status, spec.name);
        } catch (error) {
          launchError = error;
          return false;
        }
        if (launch === 'no-tmux') ctx.stderr.write(noTmuxNotice(session.server.name));
        session.logger.debug(`job ${spec.name}: ${launch}`);
        return true;
      },
    });
    if (launchError) throw launchError;
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
