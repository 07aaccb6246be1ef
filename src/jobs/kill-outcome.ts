import { EXIT, MtrError } from '../errors.js';

// What `--kill` found and did, read from the kill script's one line (remote/job-script.ts
// buildKillScript), and the sentence that tells the user. Pure.

export type KillSignal = 'INT' | 'TERM' | 'KILL';

export type KillOutcome =
  /** It had ended before: nothing was sent. No code for a lost job (its session vanished). */
  | { kind: 'ended'; code?: number }
  /** The last signal it needed; the exit code it recorded. */
  | { kind: 'stopped'; signal: KillSignal; code?: number }
  /** Its record has no process (the wrapper never ran); its tmux session was closed. */
  | { kind: 'unstarted' }
  /** Still running after SIGKILL (a process stuck in the kernel). */
  | { kind: 'alive'; group?: number };

const code = (word: string | undefined): number | undefined => (word !== undefined && /^\d+$/.test(word) ? Number(word) : undefined);

export function parseKillOutcome(stdout: string): KillOutcome | undefined {
  const [word, arg] = stdout.trim().split('\n').at(-1)?.trim().split(/\s+/) ?? [];
  const value = code(arg);
  switch (word) {
    case 'ended':
      return value === undefined ? { kind: 'ended' } : { kind: 'ended', code: value };
    case 'INT':
    case 'TERM':
    case 'KILL':
      return value === undefined ? { kind: 'stopped', signal: word } : { kind: 'stopped', signal: word, code: value };
    case 'unstarted':
      return { kind: 'unstarted' };
    case 'alive':
      return value === undefined ? { kind: 'alive' } : { kind: 'alive', group: value };
    default:
      return undefined;
  }
}

/** The line for stderr, for every outcome but a job that outlived SIGKILL (stuckJobError). */
export function describeKillOutcome(name: string, outcome: Exclude<KillOutcome, { kind: 'alive' }>): string {
  const exit = (value: number | undefined) => (value === undefined ? '' : `, exit ${value}`);
  switch (outcome.kind) {
    case 'ended':
      return outcome.code === undefined
        ? `job ${name} had already ended (no exit code recorded); nothing to stop`
        : `job ${name} had already ended (exit ${outcome.code}); nothing to stop`;
    case 'stopped':
      return `job ${name} stopped (SIG${outcome.signal}${exit(outcome.code)})`;
    case 'unstarted':
      return `job ${name} had no process to stop (it never started); its session is closed`;
  }
}

export function stuckJobError(name: string, group: number | undefined): MtrError {
  return new MtrError(`job ${name} is still running after SIGKILL`, {
    exitCode: EXIT.failed,
    hint: `a process stuck in the kernel cannot be killed; look on the server: ps -o pid,stat,wchan,args -g ${group ?? 'PGID'}`,
  });
}
