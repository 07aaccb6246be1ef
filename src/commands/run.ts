import type { Context } from '../context.js';
import { EXIT, ExitError, UsageError } from '../errors.js';
import { terminalSize } from '../exec/terminal.js';
import { buildJobMeta } from '../jobs/meta.js';
import type { RunOptions } from '../options.js';
import { buildRemoteCommand, buildRemoteScript, joinRemoteDir, type RemoteCommandSpec } from '../remote/command.js';
import { buildDirectCommand } from '../remote/staged-command.js';
import { FALLBACK_TERM } from '../remote/job-env.js';
import type { StartSpec } from '../remote/job-script.js';
import { checkJobName, generateJobName } from '../remote/job-name.js';
import type { SshConnection } from '../ssh/connect.js';
import { launchAndStream, noTmuxNotice, projectSubdir } from './launch.js';
import { describeSyncPlan, formatPlan } from './plan-text.js';
import { connectSession, prepareSessions, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

export { projectSubdir };

/** What one host runs: the remote command spec and the job around it. */
export interface HostRun {
  session: Session;
  spec: RemoteCommandSpec;
  script: string;
  jobName: string;
}

export function planHostRun(ctx: Context, options: RunOptions, session: Session, jobName: string): HostRun {
  const { config, server } = session;
  const spec: RemoteCommandSpec = {
    remoteDir: server.remoteDir,
    subdir: projectSubdir(config.projectRoot, ctx.cwd),
    preCmd: server.preCmd,
    argv: options.command,
    env: { PYTHONUNBUFFERED: '1' },
  };
  return { session, spec, script: buildRemoteScript(spec), jobName };
}

export function startSpecFor(run: HostRun, options: RunOptions, mode: 'batch' | 'interactive' | 'detached', ctx: Context): StartSpec {
  const interactive = mode === 'interactive';
  return {
    name: run.jobName,
    project: run.spec.remoteDir,
    script: run.script,
    metaJson: buildJobMeta({
      name: run.jobName,
      argv: options.command,
      server: run.session.server.name,
      cwd: joinRemoteDir(run.spec.remoteDir, run.spec.subdir),
      started: new Date().toISOString(),
      mode,
    }),
    wrapper: { interactive, stdinFifo: mode === 'batch' && ctx.stdinIsData, ...(interactive ? { term: ctx.env.TERM || FALLBACK_TERM } : {}) },
    ...(interactive ? terminalSize(ctx) : {}),
  };
}

export function chosenBy(options: Pick<RunOptions, 'all' | 'server'>, ctx: Context, session: Session): string {
  if (options.all) return 'from --all';
  if (options.server) return 'from -s';
  if (ctx.env.MTR_SERVER) return 'from MTR_SERVER';
  if (session.config.defaultServer) return 'default';
  return 'first server';
}

// Prints the plan; returns the delete guard's refusal (which needs no server) for the caller to
// end with, as the run would (exit 2).
export async function printDryRun(ctx: Context, options: RunOptions, run: HostRun): Promise<UsageError | undefined> {
  const { session } = run;
  const { server, config } = session;
  const deleting = options.sync !== false && (options.deleteRemote || server.delete);
  const refusal = deleting ? (await import('../sync/sftp-plan.js')).precheckDeleteTarget(server.remoteDir) : undefined;
  const sync = options.sync === false ? 'skipped (--no-sync)' : await describeSyncPlan(session, deleting, refusal);
  ctx.stdout.write(
    formatPlan(
      {
        server,
        chosenBy: chosenBy(options, ctx, session),
        target: session.target,
        projectRoot: config.projectRoot,
        remoteDir: joinRemoteDir(server.remoteDir, run.spec.subdir),
        sync,
        job: `${run.jobName} (tmux -L mtr, ~/.mtr/jobs/${run.jobName})${options.detach ? ', detached' : ''}`,
        script: run.script,
        command: buildRemoteCommand(run.spec),
      },
      Boolean(ctx.env.SSH_AUTH_SOCK),
    ),
  );
  return refusal;
}

export async function runRun(ctx: Context, options: RunOptions): Promise<void> {
  if (!options.command.length) {
    throw new UsageError('no command given', 'usage: mtr [options] <command...>, e.g. `mtr python train.py` (see `mtr --help`)');
  }
  const name = options.name === undefined ? undefined : checkJobName(options.name);
  const sessions = await prepareSessions(ctx, options);
  const jobName = name ?? generateJobName((sessions[0] as Session).config.projectRoot);
  if (sessions.length > 1) {
    const { runFanOut } = await import('./fanout.js');
    return runFanOut(ctx, options, sessions, jobName);
  }
  const run = planHostRun(ctx, options, sessions[0] as Session, jobName);
  run.session.logger.debug(`mtr run: server=${run.session.server.name} argv=${JSON.stringify(options.command)}`);
  if (options.dryRun) {
    const refusal = await printDryRun(ctx, options, run);
    if (refusal) throw refusal;
    return;
  }

  const interactive = !options.detach && (options.tty ?? Boolean(ctx.stdin.isTTY && ctx.stdout.isTTY));
  // Scanning, connecting and (with a trusted host key) rsync overlap instead of queueing.
  const tree = options.sync === false ? undefined : scanLater(run.session);
  tree?.catch(() => undefined);
  const connecting = connectSession(run.session, ctx);
  connecting.catch(() => undefined);
  if (tree) {
    try {
      await runSyncStep(ctx, run.session, connecting, { live: interactive, verbose: options.verbose, deleteRemote: options.deleteRemote, tree });
    } catch (error) {
      void connecting.then((c) => c.close(), () => undefined);
      throw error;
    }
  }
  const connection = await connecting;
  try {
    if (options.detach) return await startDetached(ctx, connection, run, options);
    if (!interactive) {
      return await launchAndStream(ctx, connection, run.session, startSpecFor(run, options, 'batch', ctx), buildDirectCommand(run.script));
    }
    await runAttached(ctx, connection, run, options);
  } finally {
    connection.close();
  }
}

async function scanLater(session: Session) {
  const { scanProject } = await import('../sync/sync-project.js');
  return scanProject(session.server, session.config.projectRoot);
}

/** --detach: start the job and print its name alone on stdout. */
export async function startDetached(ctx: Context, connection: SshConnection, run: HostRun, options: RunOptions): Promise<void> {
  const { startJob } = await import('../jobs/remote.js');
  const started = await startJob(connection.client, startSpecFor(run, options, 'detached', ctx));
  if (started === 'no-tmux') {
    throw new UsageError(
      `tmux is not installed on ${run.session.server.name}, so --detach cannot keep a job running`,
      'install tmux on the server, or run without --detach',
    );
  }
  ctx.stdout.write(`${run.jobName}\n`);
}

async function runAttached(ctx: Context, connection: SshConnection, run: HostRun, options: RunOptions): Promise<void> {
  const { startJob } = await import('../jobs/remote.js');
  const started = await startJob(connection.client, startSpecFor(run, options, 'interactive', ctx));
  run.session.logger.debug(`job ${run.jobName}: ${started}`);
  if (started === 'no-tmux') {
    ctx.stderr.write(noTmuxNotice(run.session.server.name));
    return interactDirect(ctx, connection, buildDirectCommand(run.script));
  }
  const { attachInteractive } = await import('../exec/attach.js');
  const code = await attachInteractive(ctx, connection, run.jobName);
  if (code !== 0) throw new ExitError(code);
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
