import { runJobCommand } from '../../commands/jobs.js';
import { answerRecord } from '../../commands/json-records.js';
import type { JobAction } from '../../options.js';
import { checkKeys } from '../../remote/job-keys.js';
import { UsageError } from '../../errors.js';
import type { ToolCall, ToolDef } from '../call.js';
import { jobRequest } from '../requests.js';
import { answerOf } from '../results.js';
import { planOne } from './plan.js';

// The job commands, each one `mtr --<command> NAME --json` on one server: the same command
// function, the same record.

async function jobRecord(call: ToolCall, server: string | undefined, action: JobAction): Promise<{ [key: string]: unknown }> {
  const plan = await planOne(call, jobRequest(call.defaults, server, action));
  const { answer, code } = answerOf(await runJobCommand(call.ctx, plan));
  return answerRecord(answer, code);
}

export const jobsTool: ToolDef<'jobs'> = {
  name: 'jobs',
  description: "List this project's jobs on the server (as `mtr --jobs --json`): name, state, exitCode, command, kind (batch, tty, session), started, durationSeconds, …",
  handle: (args, call) => jobRecord(call, args.server, { kind: 'list', json: true, allProjects: Boolean(args.allProjects) }),
};

export const waitTool: ToolDef<'wait'> = {
  name: 'wait',
  description:
    'Wait for a job to end (exitCode), or with pattern until a line of its output matches (matched: true, line). ' +
    'Past timeoutSeconds: state "timeout", and the job goes on.',
  async handle(args, call) {
    if (args.pattern !== undefined) {
      try {
        new RegExp(args.pattern);
      } catch (error) {
        throw new UsageError(`pattern is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    const action: JobAction = { kind: 'wait', name: args.name, timeoutSeconds: args.timeoutSeconds, ...(args.pattern === undefined ? {} : { pattern: args.pattern }) };
    call.progress(`waiting for job ${args.name}`);
    const plan = await planOne(call, jobRequest(call.defaults, args.server, action));
    const { answer, code } = answerOf(await runJobCommand(call.ctx, plan));
    const record = answerRecord(answer, code);
    // The job's own exit code (the CLI's is 1 when it ended 0 without a match); none while it runs.
    const exitCode = answer.kind === 'ended' || answer.kind === 'unmatched' ? answer.status : null;
    return { ...record, exitCode };
  },
};

export const sendTool: ToolDef<'send'> = {
  name: 'send',
  description: "Type text literally into a terminal job's input (a job started with tty: true), then Enter unless enter is false.",
  async handle(args, call) {
    const enter = args.enter !== false;
    if (!enter && args.text === '') throw new UsageError('send with enter: false needs text to type');
    return jobRecord(call, args.server, { kind: 'send', name: args.name, text: args.text, enter });
  },
};

export const keysTool: ToolDef<'keys'> = {
  name: 'keys',
  description: "Press named keys in a terminal job (C-c to interrupt, C-d, Enter, Escape, Tab, Up, Down, F1…F12, …); an unknown name is refused, never typed.",
  handle: (args, call) => jobRecord(call, args.server, { kind: 'keys', name: args.name, keys: checkKeys(args.keys) }),
};

export const screenTool: ToolDef<'screen'> = {
  name: 'screen',
  description: "What a terminal job's screen shows now, as plain text (wrapped lines joined, trailing blank lines dropped); lines adds that much history. A batch job: the tail of its output.",
  handle: (args, call) => jobRecord(call, args.server, { kind: 'screen', name: args.name, lines: args.lines ?? 0, ansi: false }),
};

export const killTool: ToolDef<'kill'> = {
  name: 'kill',
  description: 'Stop a job (SIGINT, then SIGTERM, then SIGKILL after the grace time); says whether it had ended already, and its exit code.',
  async handle(args, call) {
    const plan = await planOne(call, jobRequest(call.defaults, args.server, { kind: 'kill', name: args.name }));
    const { answer } = answerOf(await runJobCommand(call.ctx, plan));
    if (answer.kind !== 'killed') throw new Error(`kill answered ${answer.kind}`);
    const { outcome } = answer;
    return { name: answer.name, state: outcome.kind, exitCode: 'code' in outcome && outcome.code !== undefined ? outcome.code : null };
  },
};
