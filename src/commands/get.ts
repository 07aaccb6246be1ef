import fs from 'node:fs';
import type { Context } from '../context.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { Host } from '../host/types.js';
import type { GetPlan } from '../plan/types.js';
import { bracketHost } from '../ssh/openssh-args.js';
import type { DownloadResult } from '../sync/download.js';
import { openLogger } from './logger.js';
import type { GetResult } from './results.js';
import { connectSession, openSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

// --get REMOTE [--to LOCAL]: sync (unless --no-sync), then download a file or directory with the
// server's sync engine (rsync: only what changed; SFTP otherwise, or when the server has no rsync
// under `sync: auto`). Where it lands is the plan's (the rule for what goes where is in
// sync/download-target.ts). Ctrl+C or SIGTERM during an SFTP download ends it with 130 / 143 after
// its partial files are removed.
export async function runGet(ctx: Context, plan: GetPlan): Promise<GetResult> {
  const session = openSession(plan.host, plan.projectRoot, openLogger(plan.log, ctx));
  const connection = await connectSession(session, ctx);
  try {
    if (plan.sync.enabled) {
      const end = await runSyncStep(ctx, session, connection, plan.sync);
      if (end.stopped) return { exitCode: end.exitCode };
    }
    if (plan.makeDir) fs.mkdirSync(plan.makeDir, { recursive: true });
    const fetched = await download(ctx, session, connection, plan);
    return fetched.stoppedBy ? { exitCode: SIGNAL_EXIT[fetched.stoppedBy] } : { exitCode: 0, download: fetched.result };
  } finally {
    connection.close();
  }
}

type Fetched = { stoppedBy?: undefined; result: DownloadResult } | { stoppedBy: StopSignal };

async function download(ctx: Context, session: Session, connection: Host, plan: GetPlan): Promise<Fetched> {
  const { server, target } = session;
  const { source: remotePath, dest } = plan;
  const viaSftp = async (): Promise<Fetched> => {
    const { downloadViaSftp } = await import('../sync/download.js');
    const who = `server ${server.name} (${target.user}@${bracketHost(target.host)}:${target.port})`;
    return stoppable((signal) => downloadViaSftp({ host: connection, remotePath, dest, who, signal }));
  };
  if (plan.sync.engine === 'sftp') return viaSftp();
  const { chooseServerEngine } = await import('../sync/sync-project.js');
  const { detectLocalRsync } = await import('../sync/rsync-version.js');
  const version = await detectLocalRsync({ env: ctx.env });
  const choice = chooseServerEngine(server, target, ctx.env, version);
  if (choice.engine === 'sftp' || !version) {
    if (choice.notice) ctx.stderr.write(`mtr: ${choice.notice}\n`);
    return viaSftp();
  }
  const { downloadViaRsync } = await import('../sync/download-rsync.js');
  const { RemoteRsyncMissing } = await import('../sync/rsync-errors.js');
  try {
    return { result: await downloadViaRsync({ host: connection, target, remotePath, dest, version, homedir: ctx.homedir, env: ctx.env, log: session.logger }) };
  } catch (error) {
    if (!(error instanceof RemoteRsyncMissing) || plan.sync.engine !== 'auto') throw error;
    ctx.stderr.write('mtr: rsync is not installed on the server; downloading with SFTP\n');
    return viaSftp();
  }
}

/** The reason a stopped download is aborted with; it never leaves this module. */
class DownloadStopped extends Error {
  constructor(readonly signal: StopSignal) {
    super(`download stopped by ${signal}`);
  }
}

// Runs `work` with a signal that Ctrl+C / SIGTERM abort (the first one counts); the stop is the
// result then, quietly: the download removed its partial files before settling.
async function stoppable(work: (signal: AbortSignal) => Promise<DownloadResult>): Promise<Fetched> {
  const controller = new AbortController();
  const removeSignals = onStopSignals((signal) => {
    if (!controller.signal.aborted) controller.abort(new DownloadStopped(signal));
  });
  try {
    return { result: await work(controller.signal) };
  } catch (error) {
    if (error instanceof DownloadStopped) return { stoppedBy: error.signal };
    throw error;
  } finally {
    removeSignals();
  }
}
