import { runRun } from '../../commands/run.js';
import type { HostResult, RunResult } from '../../commands/results.js';
import type { RunPlan } from '../../plan/types.js';
import type { ToolCall, ToolDef } from '../call.js';
import { startRequest, type StartArgs } from '../requests.js';
import { planOne } from './plan.js';

// `start`: `mtr -d [--tty] [--name N] CMD`: sync (unless sync: false), start the job, return.

/** Syncs and starts the job (a failure throws, with the CLI's message); the run's facts. */
export async function startJob(call: ToolCall, args: StartArgs): Promise<{ plan: RunPlan; result: RunResult; host: HostResult }> {
  const plan = await planOne(call, startRequest(call.defaults, args));
  if (plan.hosts[0]?.sync.enabled) call.progress('syncing the project');
  const result = await runRun(call.ctx, plan);
  return { plan, result, host: result.hosts[0] as HostResult };
}

export const startTool: ToolDef<'start'> = {
  name: 'start',
  description:
    'Start a command as a named job on the server and return at once (like `mtr -d`). The project is synced first unless sync is false. ' +
    'With tty: true the job runs on a terminal, so send, keys and screen can drive it (a REPL, a TUI). Read it with output, wait, screen; stop it with kill.',
  async handle(args, call) {
    const { result, host } = await startJob(call, args);
    return { name: result.job, server: host.name, state: 'running', ...slurmIdOf(host) };
  },
};

/** A cluster job's Slurm id for a tool's result (nothing on a plain server). */
export const slurmIdOf = (host: HostResult): { slurmJobId?: number } => (host.run?.slurmJobId === undefined ? {} : { slurmJobId: host.run.slurmJobId });
