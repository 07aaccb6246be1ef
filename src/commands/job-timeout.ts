import { killJob } from '../jobs/remote.js';
import type { Host } from '../host/types.js';
import type { Logger } from '../log.js';

// --timeout on a run: once the job has started, a timer; past it the job is stopped as --kill
// stops it (SIGINT, then SIGTERM, then SIGKILL to its process group), so the stream of its output
// ends with it. A kill that cannot reach the server closes the link instead: the run ends either way.
export interface JobTimer {
  /** Call once the job runs. */
  start(): void;
  timedOut(): boolean;
  clear(): void;
}

/** `graceSeconds`: the server's kill_grace (the kill script's default when unset). */
export function createJobTimer(connection: Host, name: string, seconds: number | undefined, logger: Logger, graceSeconds?: number): JobTimer {
  let timer: NodeJS.Timeout | undefined;
  let fired = false;
  return {
    start: () => {
      if (seconds === undefined || timer) return;
      timer = setTimeout(() => {
        fired = true;
        logger.debug(`--timeout ${seconds} s: stopping job ${name}`);
        killJob(connection, name, graceSeconds).then(
          (outcome) => logger.debug(`job ${name}: ${JSON.stringify(outcome)}`),
          () => connection.close(),
        );
      }, seconds * 1000);
    },
    timedOut: () => fired,
    clear: () => clearTimeout(timer),
  };
}

export function timeoutNotice(name: string, seconds: number): string {
  return `mtr: job ${name} stopped after --timeout ${seconds} s\n`;
}
