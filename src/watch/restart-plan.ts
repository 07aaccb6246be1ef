import { TMUX, jobDir } from '../remote/job-script.js';

// `mtr --watch <command>`: when to (re)start the command, what each run's job is called, and the
// remote script that stops a run. Pure.

/** SIGINT, then SIGTERM after this long, then SIGKILL after as long again. */
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

// A change restarts the command only when the sync moved something. After a reconnect the old run's
// output stream is gone: a run that was going is restarted, a finished one only if files changed.
export function shouldRestart(input: RestartInput): boolean {
  if (input.cause === 'reconnect') return input.running || input.changed > 0;
  return input.changed > 0;
}

// Stops one run: SIGINT to the job's process group, SIGTERM after the grace period, SIGKILL after as
// long again. Like buildKillScript, but (1) it first waits (up to 2 s) for the wrapper to write `pid`,
// since the launch reports "started" before that, and (2) a group whose only member is the wrapper's
// zombie (tmux reaps it late, often a second or more) counts as gone, and (3) `kill -SIG -PGID`
// without `--`, which dash's kill rejects.
export function buildStopScript(name: string, graceSeconds = STOP_GRACE_SECONDS): string {
  const steps = Math.max(1, Math.round(graceSeconds * 20));
  return [
    `cd ${jobDir(name)} 2>/dev/null || exit 0`,
    'i=0; while [ ! -s pid ] && [ ! -f rc ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done',
    '[ -f rc ] && exit 0',
    'p=$(cat pid 2>/dev/null); [ -n "$p" ] || exit 0',
    `alive() { if command -v ps >/dev/null 2>&1; then ps -eo pgid=,stat= | awk -v g="$p" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; else kill -0 -"$p" 2>/dev/null; fi; }`,
    `settle() { i=0; while [ $i -lt ${steps} ] && alive; do sleep 0.05; i=$((i+1)); done; }`,
    'kill -INT -"$p" 2>/dev/null; settle',
    'alive && { kill -TERM -"$p" 2>/dev/null; settle; }',
    'alive && { kill -KILL -"$p" 2>/dev/null; sleep 0.1; }',
    '[ -f rc ] || { echo 137 >rc.tmp && mv rc.tmp rc; date +%s >ended; }',
    `${TMUX} kill-session -t =${name} 2>/dev/null`,
    'exit 0',
  ].join('\n');
}
