import { UsageError } from './errors.js';

// Which flags each action accepts: one table, checked once (cli-plan.ts) before anything else
// happens. A flag an action cannot honour is refused with exit 2 and a fix, never dropped. The
// rule: a flag that asks for something (--dry-run, --delete, --parallel, a log) is accepted only
// where it is done; a flag that turns something off (--no-sync, --no-tty, --no-reuse) is accepted
// wherever that thing is never done anyway, so a script may always pass it. The unit tests hold
// this table against commander's declared options: a new flag without a row fails them.

/** Flags as commander hands them over; no behaviour here. */
export interface RawFlags {
  server?: string;
  sync?: boolean;
  tty?: boolean;
  dryRun?: boolean;
  init?: boolean;
  force?: boolean;
  enableLog?: boolean;
  logFile?: string;
  debug?: boolean;
  detach?: boolean;
  name?: string;
  jobs?: boolean;
  json?: boolean;
  allProjects?: boolean;
  attach?: string;
  logs?: string;
  follow?: boolean;
  tail?: string;
  wait?: string;
  for?: string;
  timeout?: string;
  kill?: string;
  delete?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  get?: string;
  to?: string;
  watch?: boolean;
  reuse?: boolean;
  disconnect?: boolean;
  all?: boolean;
  parallel?: string;
  completion?: string;
  doctor?: boolean;
  complete?: string;
  send?: string;
  keys?: string;
  screen?: string;
  session?: string;
  enter?: boolean;
  lines?: string;
  ansi?: boolean;
  size?: string;
  maxOutput?: string;
  forward?: string[];
  mcp?: boolean;
  partition?: string;
  gpus?: string;
  nodes?: string;
  time?: string;
}

/** What one invocation does. `watch` only syncs; `watch-cmd` also restarts a command. */
export const ACTIONS = ['run', 'detach', 'session', 'watch', 'watch-cmd', 'get', 'jobs', 'attach', 'logs', 'wait', 'kill', 'send', 'keys', 'screen', 'forward', 'init', 'disconnect', 'doctor', 'completion', 'complete', 'mcp'] as const;
export type Action = (typeof ACTIONS)[number];

/** How an action is named in a message: "--dry-run does not apply to --kill". */
export const ACTION_LABEL: Record<Action, string> = {
  run: 'a run',
  detach: '--detach',
  session: '--session',
  watch: '--watch without a command',
  'watch-cmd': '--watch CMD',
  get: '--get',
  jobs: '--jobs',
  attach: '--attach',
  logs: '--logs',
  wait: '--wait',
  kill: '--kill',
  send: '--send',
  keys: '--keys',
  screen: '--screen',
  forward: '--forward without a command',
  init: '--init',
  disconnect: '--disconnect',
  doctor: '--doctor',
  completion: '--completion',
  complete: '--complete',
  mcp: '--mcp',
};

export interface FlagRow {
  /** The long flag as typed. */
  long: string;
  short?: string;
  /** The RawFlags field commander fills. */
  key: keyof RawFlags;
  /** For a --x / --no-x pair: the value this spelling sets. */
  value?: boolean;
  /** An action flag: it picks the action (at most one may be given). */
  selects?: Action;
  accepts: readonly Action[];
  /** The fix line of a refusal. */
  hint?: string;
  /** A refusal that says more than "does not apply" for one action: message, fix. */
  refusals?: Partial<Record<Action, readonly [string, string?]>>;
}

const RUNS = ['run', 'detach'] as const;
const WATCH = ['watch', 'watch-cmd'] as const;
const TERMINAL_COMMANDS = ['send', 'keys', 'screen'] as const;
const JOB_COMMANDS = ['jobs', 'attach', 'logs', 'wait', 'kill', ...TERMINAL_COMMANDS] as const;
const FAN_OUT = [...RUNS, 'jobs', 'logs', 'wait', 'kill'] as const;
const SYNCS = [...RUNS, 'session', ...WATCH, 'get'] as const;
/** Actions whose result --json prints as one document. */
const JSON_RESULTS = [...RUNS, 'session', 'get', 'jobs', 'logs', 'wait', 'kill', ...TERMINAL_COMMANDS] as const;
/** Actions that choose a server and connect to it. */
const REMOTE = [...SYNCS, ...JOB_COMMANDS, 'forward', 'doctor', 'mcp'] as const;
const EVERY = ACTIONS;
const WATCH_DETACH = ['--watch stays in the foreground; it cannot be combined with --detach', 'drop -d (`mtr -d CMD` starts a job without watching)'] as const;
const WATCH_NO_SYNC = ['--watch syncs on every change; it cannot be combined with --no-sync', 'drop --no-sync'] as const;
const SLURM_HINT = 'Slurm flags set the request of a run or -d on a cluster server (one with `slurm:`)';
const slurmRefusals = (flag: string): FlagRow['refusals'] => ({
  session: [`${flag} does not apply to --session: Slurm servers take no sessions`, 'drop it, or run the command without --session'],
  'watch-cmd': [`${flag} does not apply to --watch CMD: Slurm servers take no restarted commands`, 'drop it; `mtr --watch` alone keeps the code synced, and `mtr -d CMD` submits a job'],
});
const WATCH_VERBOSE = ['-v does not apply to --watch', '--watch prints a line per sync already (in batch mode); drop -v'] as const;

// Action flags come first, in the order "choose one of" names them.
export const FLAG_TABLE: readonly FlagRow[] = [
  { long: '--init', key: 'init', selects: 'init', accepts: ['init'] },
  { long: '--jobs', key: 'jobs', selects: 'jobs', accepts: ['jobs'] },
  { long: '--attach', key: 'attach', selects: 'attach', accepts: ['attach'] },
  { long: '--logs', key: 'logs', selects: 'logs', accepts: ['logs'] },
  { long: '--wait', key: 'wait', selects: 'wait', accepts: ['wait'] },
  { long: '--kill', key: 'kill', selects: 'kill', accepts: ['kill'] },
  { long: '--get', key: 'get', selects: 'get', accepts: ['get'] },
  { long: '--disconnect', key: 'disconnect', selects: 'disconnect', accepts: ['disconnect'] },
  { long: '--watch', key: 'watch', selects: 'watch', accepts: WATCH },
  { long: '--completion', key: 'completion', selects: 'completion', accepts: ['completion'] },
  { long: '--complete', key: 'complete', selects: 'complete', accepts: ['complete'] },
  { long: '--doctor', key: 'doctor', selects: 'doctor', accepts: ['doctor'] },
  { long: '--session', key: 'session', selects: 'session', accepts: ['session'] },
  { long: '--mcp', key: 'mcp', selects: 'mcp', accepts: ['mcp'] },
  { long: '--send', key: 'send', selects: 'send', accepts: ['send'] },
  { long: '--keys', key: 'keys', selects: 'keys', accepts: ['keys'] },
  { long: '--screen', key: 'screen', selects: 'screen', accepts: ['screen'] },
  { long: '--no-enter', key: 'enter', value: false, accepts: ['send'] },
  { long: '--lines', key: 'lines', accepts: ['screen'] },
  { long: '--ansi', key: 'ansi', accepts: ['screen'] },
  {
    long: '--size',
    key: 'size',
    accepts: ['detach'],
    hint: '--size sets the terminal of a detached job: `mtr -d --tty --size 120x40 CMD`',
    refusals: { run: ['--size applies to a detached terminal job (`mtr -d --tty --size COLSxROWS CMD`)', 'an attached run takes the size of your terminal; add -d --tty'] },
  },
  ...(['partition', 'gpus', 'nodes', 'time'] as const).map((key): FlagRow => ({ long: `--${key}`, key, accepts: RUNS, hint: SLURM_HINT, refusals: slurmRefusals(`--${key}`) })),
  {
    long: '--max-output',
    key: 'maxOutput',
    accepts: ['run', 'session', 'logs'],
    hint: '--max-output bounds the stdout and stderr a --json result holds (a run, --session, --logs)',
  },
  {
    long: '--forward',
    key: 'forward',
    accepts: ['run', 'session', 'watch', 'watch-cmd', 'attach', 'forward'],
    hint: '--forward holds ports open while a run, --watch or --attach lasts, or on its own: `mtr --forward 8888`',
  },
  {
    long: '--server',
    short: '-s',
    key: 'server',
    accepts: REMOTE,
    hint: '-s picks the server of a run, --watch, --get, a job command or --doctor',
  },
  {
    long: '--all',
    key: 'all',
    accepts: FAN_OUT,
    hint: 'pick one server with -s NAME (--all is for runs and --jobs, --logs, --wait, --kill)',
    refusals: { attach: ['--all does not apply to --attach: it needs a single server', 'pick one with -s NAME; to follow every server, use `mtr --logs NAME --follow --all`'] },
  },
  {
    long: '--parallel',
    key: 'parallel',
    accepts: FAN_OUT,
    hint: '--parallel sets how many servers a run or --jobs, --logs, --wait, --kill reach at once',
  },
  { long: '--sync', key: 'sync', value: true, accepts: SYNCS, hint: 'only a run, --watch and --get sync; drop --sync' },
  {
    long: '--no-sync',
    key: 'sync',
    value: false,
    accepts: EVERY.filter((action) => action !== 'watch' && action !== 'watch-cmd'),
    refusals: {
      watch: WATCH_NO_SYNC,
      'watch-cmd': WATCH_NO_SYNC,
    },
  },
  {
    long: '--tty',
    key: 'tty',
    value: true,
    accepts: ['run', 'detach', 'watch', 'attach'],
    hint: '--tty applies to a run, -d (a job on a terminal) and --attach; drop it',
    refusals: {
      'watch-cmd': ['--watch streams the command without a terminal; drop --tty', 'its output streams here, as in batch mode'],
    },
  },
  { long: '--no-tty', key: 'tty', value: false, accepts: EVERY },
  {
    long: '--dry-run',
    key: 'dryRun',
    accepts: SYNCS,
    hint: '--dry-run shows what a run, --get or --watch would do; drop it here',
    refusals: {
      kill: ['--dry-run does not apply to --kill: it would stop the job', 'drop --dry-run to stop it; `mtr --jobs` shows it without stopping it'],
      doctor: ['--dry-run does not apply to --doctor', '--doctor changes nothing already; drop --dry-run'],
    },
  },
  { long: '--delete', key: 'delete', accepts: SYNCS, hint: '--delete applies to the sync of a run, --watch or --get; drop it' },
  {
    long: '--verbose',
    short: '-v',
    key: 'verbose',
    accepts: [...RUNS, 'get'],
    hint: '-v adds the sync summary line of a run or --get; drop it',
    refusals: {
      watch: WATCH_VERBOSE,
      'watch-cmd': WATCH_VERBOSE,
    },
  },
  // Runs accept -q for compatibility: they print no summary unless -v.
  { long: '--quiet', short: '-q', key: 'quiet', accepts: SYNCS, hint: '-q silences the lines of --watch and --get; drop it' },
  { long: '--to', key: 'to', accepts: ['get'] },
  {
    long: '--detach',
    short: '-d',
    key: 'detach',
    accepts: ['detach'],
    hint: '-d starts a command as a job: `mtr -d CMD`',
    refusals: { watch: WATCH_DETACH, 'watch-cmd': WATCH_DETACH },
  },
  {
    long: '--name',
    key: 'name',
    accepts: [...RUNS, 'watch-cmd'],
    hint: '--name names a new job (a run, -d, --watch CMD); job commands take the name as their value: `mtr --logs NAME`',
    refusals: { watch: ['--name names the jobs of `--watch CMD`, and no command was given', 'give the command after the flags, or drop --name'] },
  },
  {
    long: '--json',
    key: 'json',
    accepts: JSON_RESULTS,
    hint: '--json prints the result of a run, -d, --session, --get or a job command as one JSON document',
  },
  { long: '--all-projects', key: 'allProjects', accepts: ['jobs'] },
  { long: '--follow', key: 'follow', accepts: ['logs'] },
  { long: '--tail', key: 'tail', accepts: ['logs'] },
  { long: '--for', key: 'for', accepts: ['wait'] },
  { long: '--timeout', key: 'timeout', accepts: ['run', 'session', 'wait'], hint: '--timeout bounds a run, a --session command or --wait (exit 124)' },
  { long: '--no-reuse', key: 'reuse', value: false, accepts: EVERY },
  { long: '--force', key: 'force', accepts: ['init'] },
  {
    long: '--enable-log',
    key: 'enableLog',
    accepts: REMOTE,
    hint: 'the debug log covers runs, --watch, --get, job commands and --doctor; drop it',
  },
  {
    long: '--log-file',
    key: 'logFile',
    accepts: REMOTE,
    hint: 'the debug log covers runs, --watch, --get, job commands and --doctor; drop it',
  },
  { long: '--debug', key: 'debug', accepts: EVERY },
];

/** Whether the user gave this spelling (`--no-reuse` is given only when reuse is false). */
export function isGiven(row: FlagRow, flags: RawFlags): boolean {
  const value = flags[row.key];
  if (row.value !== undefined) return value === row.value;
  return value !== undefined && value !== false;
}

export function flagName(row: FlagRow): string {
  return row.short ? `${row.short}/${row.long}` : row.long;
}

/** The action flags given, in table order. */
export function givenActions(flags: RawFlags): FlagRow[] {
  return FLAG_TABLE.filter((row) => row.selects !== undefined && isGiven(row, flags));
}

// The action, from its flag (at most one), else a run: detached with -d; --watch with a command restarts it.
export function resolveAction(flags: RawFlags, command: readonly string[]): Action {
  const given = givenActions(flags);
  if (given.length > 1) throw new UsageError(`choose one of ${given.map((row) => row.long).join(', ')}`, 'mtr does one of these per call; run them one after another');
  const selected = given[0]?.selects;
  if (selected === 'watch') return command.length ? 'watch-cmd' : 'watch';
  if (selected === undefined && !command.length && flags.forward?.length && !flags.detach) return 'forward';
  return selected ?? (flags.detach ? 'detach' : 'run');
}

/** The refusal of `row` for `action`, or undefined when the action accepts it. */
export function refusalFor(row: FlagRow, action: Action): UsageError | undefined {
  if (row.accepts.includes(action)) return undefined;
  const special = row.refusals?.[action];
  if (special) return new UsageError(special[0], special[1]);
  const only = row.accepts.length === 1 ? row.accepts[0] : undefined;
  if (only !== undefined && only !== 'run' && only !== 'detach') {
    return new UsageError(`${flagName(row)} only applies to ${ACTION_LABEL[only]}`, row.hint ?? `use it with ${ACTION_LABEL[only]}, or drop it`);
  }
  return new UsageError(`${flagName(row)} does not apply to ${ACTION_LABEL[action]}`, row.hint ?? `drop ${flagName(row)}`);
}

// Refuses the first given flag the action does not accept.
export function checkFlagScope(flags: RawFlags, action: Action): void {
  for (const row of FLAG_TABLE) {
    if (!isGiven(row, flags)) continue;
    const refusal = refusalFor(row, action);
    if (refusal) throw refusal;
  }
}
