import { buildKillScript } from '../remote/job-ops-script.js';

// `mtr --watch <command>`: when to (re)start the command, what each run's job is called, and the
// remote script that stops a run. Pure.

/** SIGINT, then SIGTERM after this long, then SIGKILL after as long again; kill_grace overrides it. */
export const STOP_GRACE_SECONDS = 2;

const MAX_NAME = 64;

/** Run n of a watch session is job `<base>-<n>`; the base is shortened to keep the 64-character limit. */
export function runJobName(base: string, run: number): string {
  const suffix = `-${run}`;
  return `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

export type RestartCause = 'change' | 'reconnect';

export interface RestartInput {
  cause: RestartCause;
  /** Files written or deleted on the remote by the sync that just ended. */
  changed: number;
  /** A run is still going (or was, when the link dropped). */
  running: boolean;
}

/** When the watch ends: stop the run that goes on, say it goes on (no link to stop it), or nothing. */
export type FinishStep = 'stop' | 'leave' | 'none';

export function planFinish(input: { running: boolean; connected: boolean }): FinishStep {
  if (!input.running) return 'none';
  return input.connected ? 'stop' : 'leave';
}

// A change restarts the command only when the sync moved something. After a reconnect the old run's
// output stream is gone: a run that was going is restarted, a finished one only if files changed.
export function shouldRestart(input: RestartInput): boolean {
  if (input.cause === 'reconnect') return input.running || input.changed > 0;
  return input.changed > 0;
}

// Stopping a run for a restart is --kill with a shorter default grace: one script, one behaviour.
export function buildStopScript(name: string, graceSeconds: number | undefined): string {
  return buildKillScript(name, graceSeconds ?? STOP_GRACE_SECONDS);
}
