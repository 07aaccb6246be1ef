import fs from 'node:fs';
import type { Context } from '../context.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { Host } from '../host/types.js';
import type { GetPlan } from '../plan/types.js';
import type { DownloadResult } from '../sync/sftp/download.js';
import type { EngineLink } from '../sync/engine/types.js';
import { printNotices } from '../sync/notice.js';
import { openLogger } from './logger.js';
import type { GetResult } from './results.js';
import { connectSession, openSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

// --get REMOTE [--to LOCAL]: sync (unless --no-sync), then download a file or directory with the
// server's sync engine (rsync: only what changed; SFTP otherwise, or when the server has no rsync
// under `sync: auto`). Where it lands is the plan's (the rule for what goes where is in
// sync/plan/download-target.ts). Ctrl+C or SIGTERM during an SFTP download ends it with 130 / 143 after
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

// The engine's pull, under the one fallback rule (sync/engine/fallback.ts). Only an SFTP download
// is stoppable: it removes its partial files first.
async function download(ctx: Context, session: Session, connection: Host, plan: GetPlan): Promise<Fetched> {
  const { server, target } = session;
  const { source: remotePath, dest } = plan;
  const { choosePullEngine, runWithFallback } = await import('../sync/engine/fallback.js');
  const { openEngine } = await import('../sync/engine/open.js');
  const { detectLocalRsync } = await import('../sync/rsync/version.js');
  const version = plan.sync.engine === 'sftp' ? undefined : await detectLocalRsync({ env: ctx.env });
  const choice = choosePullEngine(server, target, ctx.env, version);
  const notify = printNotices(ctx.stderr);
  if (choice.notice) notify({ kind: 'engine', engine: choice.engine, text: choice.notice });
  const link: EngineLink = { ctx, server, projectRoot: plan.projectRoot, connection: Promise.resolve(connection), target, logger: session.logger, notify };
  const fetched = await runWithFallback({
    configured: plan.sync.engine,
    direction: 'pull',
    engine: choice.engine,
    run: (name): Promise<Fetched> => {
      const engine = openEngine(name, link, version);
      if (name === 'sftp') return stoppable((signal) => engine.pull({ remotePath, dest, signal }));
      return engine.pull({ remotePath, dest }).then((result) => ({ result }));
    },
    onFallback: (text) => notify({ kind: 'engine', engine: 'sftp', text }),
  });
  return fetched.value;
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
