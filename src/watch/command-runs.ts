import type { JobRunner } from './job-runner.js';
import type { LinkSupervisor } from './link-supervisor.js';
import { planFinish, shouldRestart, type RestartCause } from './restart-plan.js';
import type { WatchStatus } from './status.js';

// The command of `mtr --watch <command>` over the watch's link: run 1 after the first sync, a
// restart when the policy (restart-plan.ts) says so, and a graceful stop at the end.

export interface CommandRunsOptions {
  runner: JobRunner;
  links: Pick<LinkSupervisor, 'link' | 'current'>;
  status: Pick<WatchStatus, 'line' | 'restart'>;
  /** Aborted when the watch stops: nothing starts after that. */
  signal: AbortSignal;
}

export interface CommandRuns {
  /** After the first full sync: run 1. */
  first(): Promise<void>;
  /** After a sync that changed `changed` entries remotely; `why` names it in the separator. */
  afterSync(cause: RestartCause, changed: number, why: string): Promise<void>;
  /** The watch ends: stops the run that goes on, or says it goes on. */
  finish(): Promise<void>;
}

export function createCommandRuns(options: CommandRunsOptions): CommandRuns {
  const { runner, links, status, signal } = options;

  // The link may drop while the old run stops: the next run then waits for the reconnect's restart.
  const restart = async (why: string) => {
    const link = links.link;
    if (!link || signal.aborted) return;
    await runner.stop(link.connection);
    const now = links.link;
    if (!now || signal.aborted) return;
    status.restart(runner.runs + 1, why);
    await runner.start(now.connection);
  };

  return {
    async first() {
      if (signal.aborted) return;
      await runner.start(links.current().connection);
    },
    async afterSync(cause, changed, why) {
      if (signal.aborted) return;
      if (shouldRestart({ cause, changed, running: runner.running })) await restart(why);
    },
    async finish() {
      const link = links.link;
      const step = planFinish({ running: runner.running, connected: Boolean(link) });
      if (step === 'stop' && link) {
        status.line('stopping the command (Ctrl+C again to stop waiting)');
        await runner.stop(link.connection);
      } else if (step === 'leave') {
        status.line(`job ${runner.currentName} keeps running on the server (no connection to stop it)`);
      }
    },
  };
}
