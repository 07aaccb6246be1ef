import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Context } from '../context.js';
import { ExitError, MtrError, UsageError, formatError } from '../errors.js';
import { createLinePrefixer } from '../exec/line-prefixer.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { RunOptions } from '../options.js';
import { entryJobName } from '../remote/job-name.js';
import { buildDirectCommand } from '../remote/staged-command.js';
import type { SshConnection } from '../ssh/connect.js';
import { runPool } from '../util/pool.js';
import { combineExitCodes, formatFanOutSummary, type HostResult } from './fanout-summary.js';
import { launchAndStream } from './launch.js';
import { planHostRun, printDryRun, startDetached, startSpecFor } from './run.js';
import { connectSession, type Session } from './session.js';
import { runSyncStep } from './sync-step.js';

export const DEFAULT_PARALLEL = 8;

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

// Runs the same command as a job of the same name on several servers at once.
export async function runFanOut(ctx: Context, options: RunOptions, sessions: Session[], jobName: string): Promise<void> {
  const names = sessions.map((s) => s.server.name).join(', ');
  if (options.tty === true) throw new UsageError(`--tty needs a single server (got ${names})`, 'pick one with -s NAME, or drop --tty for per-host batch output');
  checkEntryJobNames(sessions, jobName);
  if (options.dryRun) {
    let refusal: UsageError | undefined;
    for (const session of sessions) {
      ctx.stdout.write(`== ${session.server.name} ==\n`);
      const refused = await printDryRun(ctx, options, planHostRun(ctx, options, session, entryJobName(jobName, session.server.name)));
      refusal ??= refused;
    }
    if (refusal) throw refusal;
    return;
  }
  if (options.tty === undefined && ctx.stdin.isTTY && ctx.stdout.isTTY) {
    ctx.stderr.write(`mtr: ${sessions.length} servers (${names}): batch mode, each line prefixed with [server]\n`);
  }
  const logDir = path.join((sessions[0] as Session).config.projectRoot, '.mtr', 'logs', jobName);
  let stopping: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => (stopping ??= signal));
  const results: HostResult[] = [];
  try {
    await runPool(sessions, options.parallel ?? DEFAULT_PARALLEL, async (session) => {
      results.push(await runHost(ctx, options, session, jobName, logDir, () => stopping));
    });
  } finally {
    removeSignals();
  }
  const ordered = sessions.map((s) => results.find((r) => r.name === s.server.name) as HostResult);
  if (options.detach && ordered.some((r) => r.code === 0)) ctx.stdout.write(`${jobName}\n`);
  if (options.verbose || ordered.some((r) => r.code !== 0)) ctx.stderr.write(formatFanOutSummary(`job ${jobName}`, ordered));
  const code = stopping ? Math.max(SIGNAL_EXIT[stopping], combineExitCodes(ordered)) : combineExitCodes(ordered);
  if (code !== 0) throw new ExitError(code);
}

// Two server names that give one job name (`a.b` and `a-b`) could meet on one account.
function checkEntryJobNames(sessions: Session[], jobName: string): void {
  const seen = new Map<string, string>();
  for (const { server } of sessions) {
    const job = entryJobName(jobName, server.name);
    const other = seen.get(job);
    if (other !== undefined) throw new UsageError(`servers ${other} and ${server.name} would both run job ${job}`, 'rename one of them in .mtr/config.yaml');
    seen.set(job, server.name);
  }
}

async function runHost(
  ctx: Context,
  options: RunOptions,
  session: Session,
  jobName: string,
  logDir: string,
  stopping: () => StopSignal | undefined,
): Promise<HostResult> {
  const started = Date.now();
  const name = session.server.name;
  const streams = hostStreams(ctx, name, logDir);
  const host = streams.ctx;
  let connection: SshConnection | undefined;
  let failure: string | undefined;
  let code = 0;
  try {
    connection = await connectSession(session, host);
    if (options.sync !== false) {
      await runSyncStep(host, session, connection, { live: false, verbose: options.verbose, deleteRemote: options.deleteRemote });
    }
    const stop = stopping();
    if (stop) return { name, code: SIGNAL_EXIT[stop], ms: Date.now() - started, failure: 'stopped before it started' };
    const run = planHostRun(ctx, options, session, entryJobName(jobName, name));
    if (options.detach) {
      // The name goes to stdout once for all hosts; here only failures speak.
      await startDetached({ ...host, stdout: { write: () => true } as unknown as Context['stdout'] }, connection, run, options);
    } else {
      await launchAndStream(host, connection, session, startSpecFor(run, options, 'batch', host), buildDirectCommand(run.script));
    }
  } catch (error) {
    if (error instanceof ExitError) {
      code = error.exitCode;
    } else {
      const { text, exitCode } = formatError(error, options.debug);
      host.stderr.write(text);
      code = exitCode;
      if (error instanceof MtrError) failure = error.message.split('\n')[0];
    }
  } finally {
    connection?.close();
    await streams.close();
  }
  return { name, code, ms: Date.now() - started, ...(failure ? { failure } : {}) };
}

/**
 * Runs `work` for every session at once with prefixed streams (no log files), then prints the
 * summary and throws the combined exit code. For job commands over several servers.
 */
export async function runOnHosts(
  ctx: Context,
  sessions: Session[],
  options: { parallel?: number; debug: boolean },
  label: string,
  work: (host: Context, session: Session) => Promise<void>,
): Promise<void> {
  const results: HostResult[] = [];
  await runPool(sessions, options.parallel ?? DEFAULT_PARALLEL, async (session) => {
    const started = Date.now();
    const name = session.server.name;
    const prefixed = prefixedStdout(ctx, `[${name}] `);
    const stdout = prefixed.stream;
    const stderr = createLinePrefixer(`[${name}] `, { write: (t) => void ctx.stderr.write(t) });
    const host: Context = { ...ctx, stdout, stderr, stdinIsData: false };
    let code = 0;
    let failure: string | undefined;
    try {
      await work(host, session);
    } catch (error) {
      if (error instanceof ExitError) code = error.exitCode;
      else {
        const formatted = formatError(error, options.debug);
        host.stderr.write(formatted.text);
        code = formatted.exitCode;
        if (error instanceof MtrError) failure = error.message.split('\n')[0];
      }
    } finally {
      prefixed.detach();
      await Promise.all([stdout, stderr].map((s) => new Promise<void>((r) => s.end(() => r()))));
    }
    results.push({ name, code, ms: Date.now() - started, ...(failure ? { failure } : {}) });
  });
  const ordered = sessions.map((s) => results.find((r) => r.name === s.server.name) as HostResult);
  const code = combineExitCodes(ordered);
  if (code !== 0) {
    ctx.stderr.write(formatFanOutSummary(label, ordered));
    throw new ExitError(code);
  }
}
