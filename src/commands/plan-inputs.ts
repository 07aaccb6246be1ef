import { randomBytes } from 'node:crypto';
import type { Context } from '../context.js';
import { terminalSize } from '../exec/terminal.js';
import { buildPlan, checkRequest, type PlanRequest } from '../plan/build-plan.js';
import type { PlanInputs } from '../plan/inputs.js';
import type { Plan } from '../plan/types.js';
import { credentialFingerprint } from '../ssh/credential-id.js';
import { readTargetEnv } from '../ssh/read-ssh-config.js';
import { privateRuntimeDir } from '../util/private-dir.js';
import { loadProject } from './session.js';

// Reads what the planner takes as given: the terminal, ~/.ssh/config, the shared sockets' folder
// (made private here), a random job id. `reuse: false` (--no-reuse) needs no socket folder.
export function readPlanInputs(ctx: Context, options: { reuse: boolean } = { reuse: true }): PlanInputs {
  return {
    cwd: ctx.cwd,
    env: ctx.env,
    terminal: { stdin: Boolean(ctx.stdin.isTTY), stdout: Boolean(ctx.stdout.isTTY), stderr: Boolean(ctx.stderr.isTTY), ...terminalSize(ctx) },
    stdinIsData: ctx.stdinIsData,
    ssh: readTargetEnv(ctx),
    controlDir: options.reuse ? privateRuntimeDir(ctx.env) : undefined,
    credentialsOf: (target) => credentialFingerprint(target, ctx.homedir),
    now: new Date(),
    pid: process.pid,
    jobId: randomBytes(3).toString('hex'),
  };
}

/** Checks what needs no config, loads the project's config (its warnings on stderr), then plans. */
export async function planRequest<R extends PlanRequest>(ctx: Context, request: R): Promise<Extract<Plan, { action: R['kind'] }>> {
  checkRequest(request);
  const config = await loadProject(ctx);
  return buildPlan(request, config, readPlanInputs(ctx, request.options)) as Extract<Plan, { action: R['kind'] }>;
}
