import { readJobOutput } from '../../commands/job-output.js';
import { DEFAULT_MAX_OUTPUT } from '../../options.js';
import type { ToolDef } from '../call.js';
import { jobRequest } from '../requests.js';
import { outputRecord } from '../results.js';
import { planOne } from './plan.js';

// `output`: a job's output so far (as --logs --json), its last lines, or only what is new since
// a byte offset of its stdout log (and of its stderr log) that an earlier call returned.
export const outputTool: ToolDef<'output'> = {
  name: 'output',
  description:
    "A job's output so far: stdout and stderr, each bounded (head and tail, truncated: true). tailLines: only the last lines. " +
    'Polling: pass the nextOffset of the last call as sinceOffset (and nextStderrOffset as sinceStderrOffset) to get only what is new.',
  async handle(args, call) {
    const plan = await planOne(call, jobRequest(call.defaults, args.server, { kind: 'logs', name: args.name, follow: false }));
    const output = await readJobOutput(call.ctx, plan, {
      maxBytes: DEFAULT_MAX_OUTPUT,
      ...(args.sinceOffset === undefined ? {} : { sinceOffset: args.sinceOffset }),
      ...(args.sinceStderrOffset === undefined ? {} : { sinceStderrOffset: args.sinceStderrOffset }),
      ...(args.tailLines === undefined ? {} : { tailLines: args.tailLines }),
    });
    return { name: output.name, ...outputRecord(output) };
  },
};
