import type { Context } from '../context.js';
import { ConnectionError, EXIT, ExitError, SyncError, UsageError } from '../errors.js';
import { runBatch } from '../exec/batch.js';
import { execCapture } from '../exec/capture.js';
import { exitStatusFrom } from '../exec/exit-status.js';
import { createLineMatcher } from '../jobs/line-matcher.js';
import { formatJobTable, jobsToJson } from '../jobs/meta.js';
import { killJob, listJobs, unknownJob } from '../jobs/remote.js';
import type { JobOptions } from '../options.js';
import { buildExistsScript, buildFindJobScript, buildLogsScript, buildStreamScript, buildWaitScript, LOGS_READ_FAILED } from '../remote/job-script.js';
import { checkJobName, entryJobName } from '../remote/job-name.js';
import type { SshConnection } from '../ssh/connect.js';
import { connectSession, prepareSessions, type Session } from './session.js';

// --jobs, --attach, --logs, --wait, --kill: one connection per server, one job operation. With
// several servers (-s a,b, a group, --all) each runs at once with [server]-prefixed output, and
// the exit code is the largest (as for fan-out runs).
export async function runJobCommand(ctx: Context, options: JobOptions): Promise<void> {
  const { action } = options;
  if (action.kind !== 'list') checkJobName(action.name);
  const sessions = await prepareSessions(ctx, options);
  if (sessions.length === 1) return runJobOnHost(ctx, options, sessions[0] as Session);
  if (action.kind === 'attach') {
    throw new UsageError('--attach needs a single server', `pick one with -s NAME; to follow all, use \`mtr --logs ${action.name} --follow\``);
  }
  if (action.kind === 'list' && action.json) {
    throw new UsageError('--jobs --json needs a single server', 'run it per server with -s NAME');
  }
  const { runOnHosts } = await import('./fanout.js');
  await runOnHosts(ctx, sessions, options, action.kind === 'list' ? '--jobs' : `--${action.kind} ${action.name}`, (host, session) => runJobOnHost(host, options, session));
}

async function runJobOnHost(ctx: Context, options: JobOptions, session: Session): Promise<void> {
  const connection = await connectSession(session, ctx);
  try {
    if (options.action.kind === 'list') {
      const { allProjects, json } = options.action;
      const jobs = await listJobs(connection.client, allProjects ? 'all-projects' : { project: session.server.remoteDir });
      ctx.stdout.write(json ? jobsToJson(jobs, Date.now()) : formatJobTable(jobs, Date.now()));
      return;
    }
    const asked = options.action.name;
    // NAME itself, else the job a fan-out started here as NAME-<this server>.
    const exists = await execCapture(connection.client, buildFindJobScript([asked, entryJobName(asked, session.server.name)]));
    if (exists.code === null) throw new ConnectionError(`the connection dropped while looking up job ${asked}`);
    if (exists.code !== 0) throw await unknownJob(connection.client, asked, session.server.name, { project: session.server.remoteDir });
    const action = { ...options.action, name: exists.stdout.toString('utf8').trim() };
    const lost = `connection lost; job ${action.name} goes on on the server`;
    switch (action.kind) {
      case 'logs': {
        const script = action.follow
          ? buildStreamScript(action.name, { tailLines: action.tail, exitWithJob: false })
          : buildLogsScript(action.name, action.tail);
        const { code } = await runBatch(connection.client, script, ctx, { lostMessage: lost, holdStdin: true });
        if (code === LOGS_READ_FAILED) {
          throw new SyncError(
            `could not read the output of job ${action.name} on ${session.server.name} (the server's error is above)`,
            `check ~/.mtr/jobs/${action.name}/out and err on the server (permissions, a failing or full disk)`,
          );
        }
        if (code !== 0) throw new ExitError(code);
        return;
      }
      case 'attach': {
        const atTerminal = Boolean(options.tty !== false && ctx.stdin.isTTY && ctx.stdout.isTTY);
        // Only an interactive job's pane shows its output; batch and detached jobs write to files.
        const mode = (await execCapture(connection.client, buildExistsScript(action.name))).stdout.toString('utf8').trim();
        if (atTerminal && mode !== 'batch' && mode !== 'detached') {
          const { attachInteractive } = await import('../exec/attach.js');
          const code = await attachInteractive(ctx, connection, action.name);
          if (code !== 0) throw new ExitError(code);
          return;
        }
        const { followJob } = await import('./follow-job.js');
        await followJob(ctx, connection, action.name, { atTerminal, lostMessage: lost });
        return;
      }
      case 'wait': {
        let timedOut = false;
        const code = await withTimeout(connection, action.timeoutSeconds, ctx, action.name, () => (timedOut = true), () =>
          action.pattern === undefined
            ? runBatch(connection.client, buildWaitScript(action.name), ctx, { lostMessage: lost, closedOnPurpose: () => timedOut, holdStdin: true }).then((r) => r.code)
            : waitForPattern(ctx, connection, action.name, new RegExp(action.pattern), () => timedOut),
        );
        if (code !== 0) throw new ExitError(code);
        return;
      }
      case 'kill': {
        await killJob(connection.client, action.name, session.server.killGrace);
        ctx.stderr.write(`mtr: job ${action.name} stopped\n`);
        return;
      }
    }
  } finally {
    connection.close();
  }
}

async function withTimeout(
  connection: SshConnection,
  seconds: number | undefined,
  ctx: Context,
  name: string,
  onTimeout: () => void,
  work: () => Promise<number>,
): Promise<number> {
  if (seconds === undefined) return work();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      onTimeout();
      ctx.stderr.write(`mtr: timed out after ${seconds} s waiting for job ${name} (it goes on)\n`);
      resolve(EXIT.timeout);
      connection.close();
    }, seconds * 1000);
  });
  try {
    const code = await Promise.race([work(), timeout]);
    // Closing the link ends the work too; over a shared connection its channel closes at once,
    // so the work's "link lost" answer can settle first: the timeout is the truth then.
    return timedOut ? EXIT.timeout : code;
  } finally {
    clearTimeout(timer);
  }
}

// Reads the job's output from the start until a line matches (print it, exit 0). A job that ends
// first gives 1 (or its own non-zero code), with a note on stderr.
function waitForPattern(ctx: Context, connection: SshConnection, name: string, pattern: RegExp, isTimedOut: () => boolean): Promise<number> {
  const matchOut = createLineMatcher(pattern);
  const matchErr = createLineMatcher(pattern);
  return new Promise((resolve, reject) => {
    connection.client.exec(buildStreamScript(name, { exitWithJob: true }), (error, channel) => {
      if (error) return reject(error);
      let done = false;
      let status: number | null = null;
      const hit = (line: string | undefined) => {
        if (line === undefined || done) return;
        done = true;
        ctx.stdout.write(`${line}\n`);
        channel.close();
        resolve(0);
      };
      channel.on('data', (chunk: Buffer) => hit(matchOut(chunk)));
      channel.stderr.on('data', (chunk: Buffer) => hit(matchErr(chunk)));
      channel.on('exit', (code: number | null, signal?: string) => (status = exitStatusFrom(code, signal)));
      channel.on('close', () => {
        if (done) return;
        if (status === null) {
          if (!isTimedOut()) ctx.stderr.write(`mtr: connection lost; job ${name} goes on on the server\n`);
          return resolve(EXIT.transport);
        }
        ctx.stderr.write(`mtr: job ${name} ended (exit ${status}) before its output matched /${pattern.source}/\n`);
        resolve(status === 0 ? 1 : status);
      });
    });
  });
}
