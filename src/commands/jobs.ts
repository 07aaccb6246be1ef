import type { Context } from '../context.js';
import { ConnectionError, EXIT, SyncError } from '../errors.js';
import { runBatch } from '../exec/batch.js';
import type { ServerConfig } from '../config/types.js';
import type { Host } from '../host/types.js';
import { createLineMatcher } from '../jobs/line-matcher.js';
import { killJob, listJobs, unknownJob } from '../jobs/remote.js';
import type { JobsPlan } from '../plan/types.js';
import { buildExistsScript, buildFindJobScript, buildLogsScript, buildWaitScript } from '../remote/job-ops-script.js';
import { buildStreamScript, LOGS_READ_FAILED } from '../remote/job-stream-script.js';
import { entryJobName } from '../remote/job-name.js';
import { openLogger } from './logger.js';
import { combineExitCodes, type JobAnswer, type JobsResult } from './results.js';
import { connectSession, openSession, type Session } from './session.js';

// --jobs, --attach, --logs, --wait, --kill: one connection per server, one job operation. With
// several servers (-s a,b, a group, --all) each runs at once with [server]-prefixed output, and
// the exit code is the largest (as for fan-out runs). Streamed output (logs, attach) goes to ctx;
// the answers (the list, the matching line, a stopped job) come back in the result.
export async function runJobCommand(ctx: Context, plan: JobsPlan): Promise<JobsResult> {
  const { op } = plan;
  const logger = openLogger(plan.log, ctx);
  const sessions = plan.hosts.map((host) => openSession(host, plan.projectRoot, logger));
  const label = op.kind === 'list' ? '--jobs' : `--${op.kind} ${op.name}`;
  if (sessions.length === 1) {
    const session = sessions[0] as Session;
    const started = Date.now();
    // --attach's forwards: bound before connecting, held while attached.
    const { holdForwards } = await import('./forwards.js');
    const forwards = await holdForwards(ctx, session, plan.projectRoot, logger, plan.forwards);
    const answer = await runJobOnHost(ctx, plan, session).finally(() => forwards?.close());
    return { exitCode: answer.code, label, fanOut: false, hosts: [{ name: session.server.name, code: answer.code, ms: Date.now() - started, answer: answer.answer }] };
  }
  const { runOnHosts } = await import('./fanout.js');
  const results = await runOnHosts(ctx, sessions, plan, (host, session) => runJobOnHost(host, plan, session));
  const hosts = results.map(({ value, ...result }) => (value ? { ...result, answer: value.answer } : result));
  return { exitCode: combineExitCodes(hosts), label, fanOut: true, hosts };
}

/** One server's answer, with the code it ends with. */
interface HostAnswer {
  code: number;
  answer: JobAnswer;
}

const streamed = (code: number): HostAnswer => ({ code, answer: { kind: 'streamed' } });

async function runJobOnHost(ctx: Context, plan: JobsPlan, session: Session): Promise<HostAnswer> {
  const connection = await connectSession(session, ctx);
  try {
    if (plan.op.kind === 'list') {
      const jobs = await listJobs(connection, plan.op.allProjects ? 'all-projects' : { project: session.server.remoteDir });
      return { code: 0, answer: { kind: 'list', list: jobs, listedAt: Date.now() } };
    }
    const asked = plan.op.name;
    // NAME itself, else the job a fan-out started here as NAME-<this server>.
    const exists = await connection.capture(buildFindJobScript([asked, entryJobName(asked, session.server.name)]));
    if (exists.code === null) throw new ConnectionError(`the connection dropped while looking up job ${asked}`);
    if (exists.code !== 0) throw await unknownJob(connection, asked, session.server.name, { project: session.server.remoteDir });
    const action = { ...plan.op, name: exists.stdout.toString('utf8').trim() };
    const lost = `connection lost; job ${action.name} goes on on the server`;
    switch (action.kind) {
      case 'logs': {
        const script = action.follow
          ? buildStreamScript(action.name, { tailLines: action.tail, exitWithJob: false })
          : buildLogsScript(action.name, action.tail);
        const kept = plan.json ? await collectors(plan.json.maxOutput) : undefined;
        const streams = kept ? { ...ctx, stdout: kept.stdout.stream, stderr: kept.stderr.stream } : ctx;
        const { code } = await runBatch(connection, script, streams, { lostMessage: lost, holdStdin: true, notes: ctx.stderr });
        if (code === LOGS_READ_FAILED) {
          throw new SyncError(
            `could not read the output of job ${action.name} on ${session.server.name} (the server's error is above)`,
            `check ~/.mtr/jobs/${action.name}/out and err on the server (permissions, a failing or full disk)`,
          );
        }
        return kept ? { code, answer: { kind: 'logs', name: action.name, stdout: kept.stdout.result(), stderr: kept.stderr.result() } } : streamed(code);
      }
      case 'attach': {
        // Only an interactive job's pane shows its output; batch and detached jobs write to files.
        const found = await connection.capture(buildExistsScript(action.name));
        if (found.code === null) throw new ConnectionError(`the connection dropped while looking up job ${action.name}`);
        const mode = found.stdout.toString('utf8').trim();
        if (plan.atTerminal && mode !== 'batch' && mode !== 'detached') {
          const { attachInteractive } = await import('../exec/attach.js');
          return streamed(await attachInteractive(ctx, connection, action.name));
        }
        const { followJob } = await import('./follow-job.js');
        return streamed(await followJob(ctx, connection, action.name, { atTerminal: plan.atTerminal, lostMessage: lost }));
      }
      case 'wait': {
        let timedOut = false;
        const onTimeout = () => (timedOut = true);
        const timeout = (): HostAnswer => ({ code: EXIT.timeout, answer: { kind: 'timed-out', name: action.name, seconds: action.timeoutSeconds ?? 0 } });
        if (action.pattern === undefined) {
          const end = await withTimeout(connection, action.timeoutSeconds, onTimeout, () =>
            runBatch(connection, buildWaitScript(action.name), ctx, { lostMessage: lost, closedOnPurpose: () => timedOut, holdStdin: true }),
          );
          if (timedOut || end === undefined) return timeout();
          // A dropped link says nothing of how the job ended (it goes on).
          return end.lost ? streamed(EXIT.transport) : { code: end.code, answer: { kind: 'ended', name: action.name, status: end.code } };
        }
        const pattern = new RegExp(action.pattern);
        const end = await withTimeout(connection, action.timeoutSeconds, onTimeout, () => waitForPattern(ctx, connection, action.name, pattern, () => timedOut));
        if (timedOut || end === undefined) return timeout();
        switch (end.kind) {
          case 'matched':
            return { code: 0, answer: { kind: 'matched', name: action.name, line: end.line } };
          case 'ended':
            return { code: end.status === 0 ? 1 : end.status, answer: { kind: 'unmatched', name: action.name, status: end.status, pattern: pattern.source } };
          case 'lost':
            return streamed(EXIT.transport);
        }
      }
      case 'kill': {
        const outcome = await killJob(connection, action.name, session.server.killGrace);
        return { code: 0, answer: { kind: 'killed', name: action.name, outcome } };
      }
      case 'send': {
        const { sendText } = await import('../jobs/input.js');
        await sendText(connection, action.name, inputServer(session.server), action.text, action.enter);
        return { code: 0, answer: { kind: 'sent', name: action.name } };
      }
      case 'keys': {
        const { sendKeys } = await import('../jobs/input.js');
        await sendKeys(connection, action.name, inputServer(session.server), action.keys);
        return { code: 0, answer: { kind: 'sent', name: action.name } };
      }
      case 'screen': {
        const { readScreen } = await import('../jobs/input.js');
        const screen = await readScreen(connection, action.name, inputServer(session.server), { history: action.lines, ansi: action.ansi });
        return { code: 0, answer: { kind: 'screen', name: action.name, ...screen } };
      }
    }
  } finally {
    connection.close();
  }
}

async function collectors(maxBytes: number) {
  const { createCollector } = await import('../exec/collect.js');
  return { stdout: createCollector(maxBytes), stderr: createCollector(maxBytes) };
}

// After `seconds`: onTimeout (the caller's flag), the link closed, and no more waiting for the work
// (undefined). Over a shared connection the channel closes at once, so the work's "link lost" answer
// can settle first: the caller's timed-out flag is the truth then.
async function withTimeout<T>(connection: Host, seconds: number | undefined, onTimeout: () => void, work: () => Promise<T>): Promise<T | undefined> {
  if (seconds === undefined) return work();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve(undefined);
      connection.close();
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How --wait --for ended: a line matched, the job ended first, or the link dropped. */
type PatternEnd = { kind: 'matched'; line: string } | { kind: 'ended'; status: number } | { kind: 'lost' };

// Reads the job's output from the start until a line matches, or the job ends first.
async function waitForPattern(ctx: Context, connection: Host, name: string, pattern: RegExp, isTimedOut: () => boolean): Promise<PatternEnd> {
  const matchOut = createLineMatcher(pattern);
  const matchErr = createLineMatcher(pattern);
  const channel = await connection.exec(buildStreamScript(name, { exitWithJob: true }));
  return new Promise((resolve) => {
    let done = false;
    let status: number | null = null;
    const hit = (line: string | undefined) => {
      if (line === undefined || done) return;
      done = true;
      channel.close();
      resolve({ kind: 'matched', line });
    };
    channel.stdout.on('data', (chunk: Buffer) => hit(matchOut(chunk)));
    channel.stderr.on('data', (chunk: Buffer) => hit(matchErr(chunk)));
    channel.on('exit', (exitStatus) => (status = exitStatus));
    channel.on('close', () => {
      if (done) return;
      if (status !== null) return resolve({ kind: 'ended', status });
      if (!isTimedOut()) ctx.stderr.write(`mtr: connection lost; job ${name} goes on on the server\n`);
      resolve({ kind: 'lost' });
    });
  });
}

// Who answers a job's input: a cluster's jobs have no terminal, and the fix says what to do there.
const inputServer = (server: ServerConfig) => ({ name: server.name, cluster: Boolean(server.slurm) });
