import { SHELLS, type CompleteWhat, type Shell } from './completion/scripts.js';
import { UsageError } from './errors.js';
import { checkJobName } from './remote/job-name.js';
import { formatExcerpt } from './util/excerpt.js';
import type { GetOptions, GlobalOptions, InitOptions, JobAction, JobOptions, RunOptions, WatchOptions } from './options.js';

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
}

export type Invocation =
  | { kind: 'init'; options: InitOptions }
  | { kind: 'run'; options: RunOptions }
  | { kind: 'job'; options: JobOptions }
  | { kind: 'get'; options: GetOptions }
  | { kind: 'watch'; options: WatchOptions }
  | { kind: 'disconnect'; options: GlobalOptions }
  | { kind: 'doctor'; options: GlobalOptions & { server?: string } }
  | { kind: 'completion'; shell: Shell }
  | { kind: 'complete'; what: CompleteWhat };

/** Largest count a flag takes: every tail, shell and timer on the way handles a 32-bit int. */
export const MAX_COUNT = 2 ** 31 - 1;
/** setTimeout's limit (2^31 - 1 ms), in whole seconds. */
export const MAX_TIMEOUT_SECONDS = Math.floor(MAX_COUNT / 1000);

// Decimal digits only: no "1e3", "0x10", "-0", " 5" or "5.5"; the value reaches a remote command as typed.
export function parseCount(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const number = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= MAX_COUNT)) {
    throw new UsageError(`${flag} expects a whole number from ${min} to ${MAX_COUNT}, got ${formatExcerpt(value)}`, `e.g. ${flag} ${min === 0 ? 20 : 4}`);
  }
  return number;
}

// Seconds may have a fraction (`--timeout 2.5`), but must be more than 0 and fit a timer.
export function parseSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN;
  if (!(number > 0 && number <= MAX_TIMEOUT_SECONDS)) {
    throw new UsageError(`${flag} expects seconds, more than 0 and at most ${MAX_TIMEOUT_SECONDS}, got ${formatExcerpt(value)}`, `e.g. ${flag} 600`);
  }
  return number;
}

function jobAction(flags: RawFlags): JobAction | undefined {
  for (const flag of ['attach', 'logs', 'wait', 'kill'] as const) {
    const name = flags[flag];
    if (name !== undefined) checkJobName(name, `--${flag}`);
  }
  if (flags.jobs) return { kind: 'list', json: Boolean(flags.json), allProjects: Boolean(flags.allProjects) };
  if (flags.attach !== undefined) return { kind: 'attach', name: flags.attach };
  if (flags.logs !== undefined) {
    const tail = parseCount(flags.tail, '--tail');
    return { kind: 'logs', name: flags.logs, follow: Boolean(flags.follow), ...(tail === undefined ? {} : { tail }) };
  }
  if (flags.wait !== undefined) {
    if (flags.for !== undefined) {
      try {
        new RegExp(flags.for);
      } catch (error) {
        throw new UsageError(`--for is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    const timeoutSeconds = parseSeconds(flags.timeout, '--timeout');
    return { kind: 'wait', name: flags.wait, ...(flags.for === undefined ? {} : { pattern: flags.for }), ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) };
  }
  if (flags.kill !== undefined) return { kind: 'kill', name: flags.kill };
  return undefined;
}

// Decides what one mtr invocation does. mtr's actions are flags, so exactly one may be given.
export function planInvocation(flags: RawFlags, command: string[]): Invocation {
  const global: GlobalOptions = { reuse: flags.reuse !== false, debug: Boolean(flags.debug), enableLog: Boolean(flags.enableLog), logFile: flags.logFile };
  const actions = ['init', 'jobs', 'attach', 'logs', 'wait', 'kill', 'get', 'disconnect', 'watch', 'completion', 'complete', 'doctor'].filter((k) => flags[k as keyof RawFlags] !== undefined && flags[k as keyof RawFlags] !== false);
  if (actions.length > 1) throw new UsageError(`choose one of --${actions.join(', --')}`);
  const only = (flag: keyof RawFlags, needs: string) => {
    if (flags[flag] !== undefined && !actions.includes(needs)) throw new UsageError(`--${flag} only applies to --${needs}`);
  };
  only('force', 'init');
  only('json', 'jobs');
  if (flags.allProjects !== undefined && !actions.includes('jobs')) throw new UsageError('--all-projects only applies to --jobs');
  only('follow', 'logs');
  only('tail', 'logs');
  only('for', 'wait');
  only('timeout', 'wait');
  only('to', 'get');
  if (flags.all && flags.server !== undefined) throw new UsageError('choose -s or --all, not both');
  const parallel = parseCount(flags.parallel, '--parallel', 1);
  // Checked before any config is read or server asked: `--name ''` is not "no name".
  if (flags.name !== undefined) checkJobName(flags.name, '--name');
  if (flags.get !== undefined) {
    if (command.length) throw new UsageError(`--get takes no command (got "${command.join(' ')}")`, 'run the command and the download separately');
    if (!flags.get) throw new UsageError('--get needs a remote path', 'e.g. `mtr --get outputs/model.pt --to ./models`');
    return {
      kind: 'get',
      options: {
        ...global,
        server: flags.server,
        sync: flags.sync,
        dryRun: Boolean(flags.dryRun),
        deleteRemote: Boolean(flags.delete),
        quiet: Boolean(flags.quiet),
        verbose: Boolean(flags.verbose),
        remotePath: flags.get,
        ...(flags.to === undefined ? {} : { to: flags.to }),
      },
    };
  }
  if (flags.doctor) {
    if (command.length) throw new UsageError('--doctor takes no command', 'run `mtr --doctor` on its own (with -s NAME for another server)');
    return { kind: 'doctor', options: { ...global, ...(flags.server === undefined ? {} : { server: flags.server }) } };
  }
  if (flags.completion !== undefined) {
    if (command.length) throw new UsageError('--completion takes no command');
    if (!SHELLS.includes(flags.completion as Shell)) {
      throw new UsageError(`--completion supports ${SHELLS.join(', ')}, not ${JSON.stringify(flags.completion)}`, 'e.g. eval "$(mtr --completion bash)" in ~/.bashrc');
    }
    return { kind: 'completion', shell: flags.completion as Shell };
  }
  if (flags.complete !== undefined) {
    if (flags.complete !== 'servers' && flags.complete !== 'jobs') throw new UsageError('--complete takes servers or jobs');
    return { kind: 'complete', what: flags.complete };
  }
  if (flags.disconnect) {
    if (command.length) throw new UsageError('--disconnect takes no command');
    return { kind: 'disconnect', options: global };
  }
  if (flags.init) {
    if (command.length) throw new UsageError('--init takes no command', 'run `mtr --init` on its own');
    return { kind: 'init', options: { ...global, force: Boolean(flags.force) } };
  }
  const action = jobAction(flags);
  if (action) {
    if (command.length) throw new UsageError(`--${actions[0]} takes no command (got "${command.join(' ')}")`, 'mtr options go before the command; job flags stand alone');
    return { kind: 'job', options: { ...global, server: flags.server, all: Boolean(flags.all), tty: flags.tty, action } };
  }
  if (flags.watch) return { kind: 'watch', options: watchOptions(flags, global, command) };
  return {
    kind: 'run',
    options: {
      ...global,
      server: flags.server,
      all: Boolean(flags.all),
      ...(parallel === undefined ? {} : { parallel }),
      sync: flags.sync,
      tty: flags.tty,
      dryRun: Boolean(flags.dryRun),
      detach: Boolean(flags.detach),
      deleteRemote: Boolean(flags.delete),
      quiet: Boolean(flags.quiet),
      verbose: Boolean(flags.verbose),
      ...(flags.name === undefined ? {} : { name: flags.name }),
      command,
    },
  };
}

// `mtr --watch` syncs on every change; `mtr --watch cmd…` also restarts cmd (streamed, no PTY).
function watchOptions(flags: RawFlags, global: GlobalOptions, command: string[]): WatchOptions {
  if (flags.sync === false) throw new UsageError('--watch syncs on every change; it cannot be combined with --no-sync');
  if (flags.detach) throw new UsageError('--watch stays in the foreground; it cannot be combined with --detach');
  if (flags.tty && command.length) throw new UsageError('--watch streams the command without a terminal; drop --tty');
  return {
    ...global,
    server: flags.server,
    tty: flags.tty,
    dryRun: Boolean(flags.dryRun),
    deleteRemote: Boolean(flags.delete),
    quiet: Boolean(flags.quiet),
    ...(flags.name === undefined ? {} : { name: flags.name }),
    command,
  };
}
