import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import type { GetOptions } from '../options.js';
import { formatBytes } from '../ui/progress.js';
import type { SshConnection } from '../ssh/connect.js';
import { ExitError } from '../errors.js';
import { SIGNAL_EXIT, onStopSignals } from '../exec/signals.js';
import type { DownloadResult } from '../sync/download.js';
import { localKind, planLocalTarget, type LocalDest } from '../sync/download-target.js';
import { bracketHost } from '../sync/ssh-command.js';
import { commandTarget, connectSession, prepareSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

// --get REMOTE [--to LOCAL]: sync (unless --no-sync), then download a file or directory with the
// server's sync engine (rsync: only what changed; SFTP otherwise, or when the server has no rsync
// under `sync: auto`). Destination: --to, else the server's download_dir, else the current directory
// (the rule for what goes where is in sync/download-target.ts). Ctrl+C or SIGTERM during an SFTP
// download ends it with 130 / 143 after its partial files are removed. --dry-run prints the plan.
export async function runGet(ctx: Context, options: GetOptions): Promise<void> {
  const session = await prepareSession(ctx, options);
  const { server } = session;
  const dest: LocalDest =
    options.to !== undefined ? { path: path.resolve(ctx.cwd, options.to), into: options.to.endsWith('/') } : { path: server.downloadDir ?? ctx.cwd, into: true };
  if (options.dryRun) return printGetPlan(ctx, options, session, dest);
  const connection = await connectSession(session, ctx);
  try {
    if (options.sync !== false) {
      await runSyncStep(ctx, session, connection, { live: false, verbose: options.verbose, deleteRemote: options.deleteRemote });
    }
    const { resolveRemotePath } = await import('../sync/download.js');
    if (options.to === undefined && server.downloadDir) fs.mkdirSync(server.downloadDir, { recursive: true });
    const result = await download(ctx, session, connection, resolveRemotePath(server.remoteDir, options.remotePath), dest);
    if (!options.quiet) {
      const shown = path.relative(ctx.cwd, result.localPath) || '.';
      ctx.stderr.write(`mtr: downloaded ${result.files} file${result.files === 1 ? '' : 's'} (${formatBytes(result.bytes)}) to ${shown}\n`);
    }
  } finally {
    connection.close();
  }
}

// --get --dry-run: what would come from where, by which engine, after which sync. Nothing connects
// and nothing is written (not even download_dir); a refused deletion ends it as the real --get would.
async function printGetPlan(ctx: Context, options: GetOptions, session: Session, dest: LocalDest): Promise<void> {
  const { server, target } = session;
  const { chosenBy } = await import('./run.js');
  const { describeSyncPlan } = await import('./plan-text.js');
  const { resolveRemotePath } = await import('../sync/download.js');
  const remotePath = resolveRemotePath(server.remoteDir, options.remotePath);
  const deleting = options.sync !== false && (options.deleteRemote || server.delete);
  const refusal = deleting ? (await import('../sync/sftp-plan.js')).precheckDeleteTarget(server.remoteDir) : undefined;
  const sync = options.sync === false ? 'skipped (--no-sync)' : await describeSyncPlan(session, deleting, refusal);
  const name = path.posix.basename(remotePath.replace(/\/+$/, '') || '/');
  ctx.stdout.write(
    [
      `server:      ${server.name} (${chosenBy(options, ctx, session)})`,
      `connect:     ${target.user}@${bracketHost(target.host)}:${target.port}${target.jumps.map((j) => ` via ${j.user}@${j.host}:${j.port}`).join('')}`,
      `sync first:  ${sync}`,
      `remote path: ${remotePath}`,
      `local:       ${describeLanding(dest, name)}`,
      `engine:      ${await describeGetEngine(ctx, session)}`,
    ].join('\n') + '\n',
  );
  if (refusal) throw refusal;
}

// The landing rule (download-target.ts) for both kinds the remote path may turn out to be.
function describeLanding(dest: LocalDest, name: string): string {
  const land = (remoteKind: 'file' | 'dir') => {
    try {
      return planLocalTarget({ dest, name, remoteKind, kindOf: localKind });
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
  };
  const [file, dir] = [land('file'), land('dir')];
  return file === dir ? file : `${file} if ${name} is a file; ${dir} if it is a folder`;
}

async function describeGetEngine(ctx: Context, session: Session): Promise<string> {
  const { server, target } = session;
  if (server.sync === 'sftp') return 'sftp (sync: sftp)';
  const { chooseServerEngine } = await import('../sync/sync-project.js');
  const { detectLocalRsync } = await import('../sync/rsync-version.js');
  const version = await detectLocalRsync({ env: ctx.env });
  const choice = chooseServerEngine(server, target, ctx.env, version);
  if (choice.engine === 'sftp' || !version) return `sftp (${choice.notice ?? 'rsync is not installed here'})`;
  return server.sync === 'auto' ? 'rsync, only what changed (SFTP if the server has no rsync)' : 'rsync, only what changed (sync: rsync)';
}

async function download(ctx: Context, session: Session, connection: SshConnection, remotePath: string, dest: LocalDest): Promise<DownloadResult> {
  const { server, target } = session;
  const viaSftp = async () => {
    const { downloadViaSftp } = await import('../sync/download.js');
    const who = `server ${server.name} (${target.user}@${bracketHost(target.host)}:${target.port})`;
    const client = await connection.ssh2();
    return stoppable((signal) => downloadViaSftp({ client, remotePath, dest, who, signal }));
  };
  if (server.sync === 'sftp') return viaSftp();
  const { chooseServerEngine } = await import('../sync/sync-project.js');
  const { detectLocalRsync } = await import('../sync/rsync-version.js');
  const rsyncTarget = await commandTarget(session, ctx);
  const version = await detectLocalRsync({ env: ctx.env });
  const choice = chooseServerEngine(server, rsyncTarget, ctx.env, version);
  if (choice.engine === 'sftp' || !version) {
    if (choice.notice) ctx.stderr.write(`mtr: ${choice.notice}\n`);
    return viaSftp();
  }
  const { downloadViaRsync } = await import('../sync/download-rsync.js');
  const { RemoteRsyncMissing } = await import('../sync/rsync-errors.js');
  try {
    return await downloadViaRsync({ connection, target: rsyncTarget, remotePath, dest, version, homedir: ctx.homedir, env: ctx.env, log: session.logger });
  } catch (error) {
    if (!(error instanceof RemoteRsyncMissing) || server.sync !== 'auto') throw error;
    ctx.stderr.write('mtr: rsync is not installed on the server; downloading with SFTP\n');
    return viaSftp();
  }
}

// Runs `work` with a signal that Ctrl+C / SIGTERM abort (the first one counts); the stop ends the
// command with 130 / 143, quietly: the download removed its partial files before settling.
async function stoppable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const removeSignals = onStopSignals((signal) => {
    if (!controller.signal.aborted) controller.abort(new ExitError(SIGNAL_EXIT[signal]));
  });
  try {
    return await work(controller.signal);
  } finally {
    removeSignals();
  }
}
