import { buildCompletionScript, type CompleteWhat, type FlagSpec, type Shell } from '../completion/scripts.js';
import type { LoadedConfig } from '../config/types.js';
import type { Context } from '../context.js';

// `mtr --completion SHELL` prints the script; `mtr --complete servers|jobs` is what the script calls
// at Tab time. Completion must never make noise or wait: any problem means no words.

export function runCompletion(shell: Shell, flags: readonly FlagSpec[]): { exitCode: 0; script: string } {
  return { exitCode: 0, script: buildCompletionScript(shell, flags) };
}

/** Server and group names, in file order. */
export function serverWords(config: LoadedConfig): string[] {
  return [...config.serverNames, ...Object.keys(config.groups)];
}

// Job names only where they are cheap: through a live shared connection to the default server
// (a few ms). Without one, completing would mean a full login per Tab: nothing is offered.
async function jobWords(ctx: Context, config: LoadedConfig): Promise<string[]> {
  const { selectServer } = await import('../config/select.js');
  const { readPlanInputs } = await import('./plan-inputs.js');
  const { openHost } = await import('../host/open.js');
  const { planHost, sshHostPlan } = await import('../plan/host-plan.js');
  const { isMasterAlive } = await import('../ssh/mux-client.js');
  const { nullLogger } = await import('../log.js');
  const { listJobs } = await import('../jobs/remote.js');
  const host = planHost(selectServer(config, { env: ctx.env }), readPlanInputs(ctx), { reuse: true });
  const { server, target } = host;
  if (!target.control || !(await isMasterAlive(target.control.path, 500))) return [];
  const connection = await openHost(sshHostPlan(host), ctx, nullLogger);
  try {
    return (await listJobs(connection, { project: server.remoteDir })).jobs.map((job) => job.name);
  } finally {
    connection.close();
  }
}

/** The words to offer; none on any trouble. */
export async function runComplete(ctx: Context, what: CompleteWhat): Promise<{ exitCode: 0; words: string[] }> {
  try {
    const { loadConfigCached } = await import('../config/cache.js');
    const config = await loadConfigCached(ctx);
    return { exitCode: 0, words: what === 'servers' ? serverWords(config) : await jobWords(ctx, config) };
  } catch {
    // No config here, a broken one, no connection: no words, and no message under the prompt.
    return { exitCode: 0, words: [] };
  }
}
