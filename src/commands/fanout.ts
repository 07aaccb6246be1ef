import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Context } from '../context.js';
import { MtrError, formatError } from '../errors.js';
import { createLinePrefixer } from '../exec/line-prefixer.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { Logger } from '../log.js';
import type { FanOutPlan, HostRunPlan, RunPlan } from '../plan/types.js';
import { runPool } from '../util/pool.js';
import type { SyncStats } from '../sync/types.js';
import { combineExitCodes, type HostResult, type HostRunFacts, type RunResult } from './results.js';
import { batchBounds, launchBatch, startDetached } from './launch.js';
import { connectSession, openSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

export interface HostStreams {
  ctx: Context;
  /** Flushes partial lines and closes the log files. */
  close(): Promise<void>;
}

// A host's view of the terminal: every line prefixed `[name] `, whole lines only, and a full copy
// of its stdout/stderr in .mtr/logs/<job>/<name>.out|.err. No stdin (EOF), no TTY: batch.
export function hostStreams(ctx: Context, name: string, logDir: string): HostStreams {
  fs.mkdirSync(logDir, { recursive: true });
  const outLog = fs.createWriteStream(path.join(logDir, `${name}.out`));
  const errLog = fs.createWriteStream(path.join(logDir, `${name}.err`));
  const stdout = prefixedStdout(ctx, `[${name}] `, (c) => void outLog.write(c));
  const stderr = createLinePrefixer(`[${name}] `, { write: (t) => void ctx.stderr.write(t) }, (c) => void errLog.write(c));
  const end = (stream: NodeJS.WritableStream) => new Promise<void>((resolve) => stream.end(() => resolve()));
  return {
    ctx: { ...ctx, stdout: stdout.stream, stderr, stdinIsData: false },
    close: async () => {
      stdout.detach();
      await Promise.all([end(stdout.stream), end(stderr)]);
      await Promise.all([end(outLog), end(errLog)]);
    },
  };
}

// A host's prefixed stdout fails as the real one does: when the reader is gone (`mtr --all cmd |
// head`), each host's stream hears it and stops its job, instead of writing into nothing.
function prefixedStdout(ctx: Context, prefix: string, raw?: (chunk: Buffer) => void): { stream: Writable; detach: () => void } {
  const stream = createLinePrefixer(prefix, { write: (t) => void ctx.stdout.write(t) }, raw);
  stream.on('error', () => undefined); // heard by runBatch; never an uncaught error
  const forward = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') stream.destroy(error);
  };
  ctx.stdout.on('error', forward);
  if (ctx.stdout.destroyed) stream.destroy();
  return { stream, detach: () => ctx.stdout.off('error', forward) };
}

// Runs the planned jobs (`<name>-<server>`) on several servers at once. Each host's failure (no
// connection, a failed sync, a job that could not start) is one host's result, never the others'.
export async function runFanOut(ctx: Context, plan: RunPlan, fanOut: FanOutPlan, logger: Logger): Promise<RunResult> {
  let stopping: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => (stopping ??= signal));
  const results = new Map<HostRunPlan, HostResult>();
  try {
    await runPool(plan.hosts, fanOut.parallel, async (run) => {
      const session = openSession(run.host, plan.projectRoot, logger);
      const streams = hostStreams(ctx, session.server.name, fanOut.logDir);
      try {
        results.set(run, await settleHost(streams.ctx, session.server.name, plan.debug, () => runHost(streams.ctx, session, run, plan, () => stopping)));
      } finally {
        await streams.close();
      }
    });
  } finally {
    removeSignals();
  }
  const hosts = plan.hosts.map((run) => results.get(run) as HostResult);
  const combined = combineExitCodes(hosts);
  return { exitCode: stopping ? Math.max(SIGNAL_EXIT[stopping], combined) : combined, job: plan.jobName, detached: plan.detach, hosts };
}

/** One host's end: its code, and a one-line reason when it never ran the command. */
type HostEnd = { code: number; failure?: string; run?: HostRunFacts };

// A host's real error (an MtrError: no connection, a failed sync, a refused start) is told on its
// own stderr and becomes its result; the run goes on for the others.
async function settleHost(host: Context, name: string, debug: boolean, work: () => Promise<HostEnd>): Promise<HostResult> {
  const started = Date.now();
  let end: HostEnd;
  try {
    end = await work();
  } catch (error) {
    const { text, exitCode } = formatError(error, debug);
    host.stderr.write(text);
    end = { code: exitCode, ...(error instanceof MtrError ? { failure: error.message.split('\n')[0] as string } : {}) };
  }
  return { name, code: end.code, ms: Date.now() - started, ...(end.failure ? { failure: end.failure } : {}), ...(end.run ? { run: end.run } : {}) };
}

async function runHost(host: Context, session: Session, run: HostRunPlan, plan: RunPlan, stopping: () => StopSignal | undefined): Promise<HostEnd> {
  const connection = await connectSession(session, host);
  try {
    let sync: SyncStats | null = null;
    if (run.sync.enabled) {
      const end = await runSyncStep(host, session, connection, run.sync);
      if (end.stopped) return { code: end.exitCode };
      sync = end.stats;
    }
    const stop = stopping();
    if (stop) return { code: SIGNAL_EXIT[stop], failure: 'stopped before it started' };
    if (run.job.mode === 'detached') {
      const slurmJobId = await startDetached(connection, session, run.job);
      return { code: 0, run: { job: run.job.name, state: 'running', sync, ...(slurmJobId === undefined ? {} : { slurmJobId }) } };
    }
    const { bounds, output } = await batchBounds(plan);
    const end = await launchBatch(host, connection, session, run.job, bounds);
    const kept = output?.();
    return { code: end.code, run: { job: run.job.name, state: end.state, sync, ...(kept ? { output: kept } : {}) } };
  } finally {
    connection.close();
  }
}

/**
 * Runs `work` for every session at once with prefixed streams (no log files) and returns each
 * host's result in the sessions' order. For job commands over several servers.
 */
export async function runOnHosts<T>(
  ctx: Context,
  sessions: readonly Session[],
  options: { parallel: number; debug: boolean },
  work: (host: Context, session: Session) => Promise<T & HostEnd>,
): Promise<(HostResult & { value?: T })[]> {
  const results = new Map<Session, HostResult & { value?: T }>();
  await runPool(sessions, options.parallel, async (session) => {
    const name = session.server.name;
    const prefixed = prefixedStdout(ctx, `[${name}] `);
    const stdout = prefixed.stream;
    const stderr = createLinePrefixer(`[${name}] `, { write: (t) => void ctx.stderr.write(t) });
    const host: Context = { ...ctx, stdout, stderr, stdinIsData: false };
    let value: T | undefined;
    try {
      const result = await settleHost(host, name, options.debug, async () => (value = await work(host, session)));
      results.set(session, value === undefined ? result : { ...result, value });
    } finally {
      prefixed.detach();
      await Promise.all([stdout, stderr].map((s) => new Promise<void>((r) => s.end(() => r()))));
    }
  });
  return sessions.map((session) => results.get(session) as HostResult & { value?: T });
}
