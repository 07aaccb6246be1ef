import { runJobCommand } from '../../commands/jobs.js';
import { jobLogPaths } from '../../commands/json-records.js';
import { DEFAULT_MAX_OUTPUT } from '../../options.js';
import type { ToolDef } from '../call.js';
import { jobRequest } from '../requests.js';
import { answerOf, syncRecord } from '../results.js';
import { planOne } from './plan.js';
import { slurmIdOf, startJob } from './start.js';

/** How long `run` waits for its job unless timeoutSeconds says otherwise. */
export const DEFAULT_RUN_TIMEOUT_SECONDS = 120;
/** A progress notification this often while a run's job goes on. */
const PROGRESS_EVERY_MS = 5000;

// `run`: start the job (after the sync), wait for it up to timeoutSeconds from its start, and return
// its exit code with its output bounded as `--json` bounds it (head and tail, with the log paths).
// Still running then: state "running", and the job goes on (read it with output or wait).
export const runTool: ToolDef<'run'> = {
  name: 'run',
  description:
    'Run a command on the server and return its exit code, stdout and stderr (each bounded: head and tail, truncated: true, the full logs stay on the server). ' +
    `The project is synced first unless sync is false. Waits up to timeoutSeconds (default ${DEFAULT_RUN_TIMEOUT_SECONDS}) from the job's start; ` +
    'a command still running then is left running: state "running", its name to use with output, wait or kill.',
  async handle(args, call) {
    const { result, host } = await startJob(call, args);
    const name = result.job;
    const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_RUN_TIMEOUT_SECONDS;
    const waitPlan = await planOne(call, jobRequest(call.defaults, host.name, { kind: 'wait', name, timeoutSeconds }));
    const startedAt = Date.now();
    call.progress(`job ${name} started`);
    const ticker = setInterval(() => call.progress(`job ${name} running for ${Math.round((Date.now() - startedAt) / 1000)} s`), PROGRESS_EVERY_MS);
    let waited;
    try {
      waited = answerOf(await runJobCommand(call.ctx, waitPlan)).answer;
    } finally {
      clearInterval(ticker);
    }
    const logsPlan = await planOne(call, jobRequest(call.defaults, host.name, { kind: 'logs', name, follow: false }, DEFAULT_MAX_OUTPUT));
    const logs = answerOf(await runJobCommand(call.ctx, logsPlan)).answer;
    const exitCode = waited.kind === 'ended' ? waited.status : null;
    const stdout = logs.kind === 'logs' ? logs.stdout : undefined;
    const stderr = logs.kind === 'logs' ? logs.stderr : undefined;
    return {
      name,
      server: host.name,
      state: exitCode === null ? 'running' : 'ended',
      exitCode,
      stdout: stdout?.bytes.toString('utf8') ?? '',
      stderr: stderr?.bytes.toString('utf8') ?? '',
      truncated: Boolean(stdout?.truncated || stderr?.truncated),
      logs: jobLogPaths(name),
      sync: host.run?.sync ? syncRecord(host.run.sync) : null,
      ...slurmIdOf(host),
    };
  },
};
