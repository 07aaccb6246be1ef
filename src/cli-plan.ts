import { checkFlagScope, resolveAction, type RawFlags } from './cli-flags.js';
import { SHELLS, type CompleteWhat, type Shell } from './completion/scripts.js';
import { UsageError } from './errors.js';
import { checkJobName } from './remote/job-name.js';
import { formatExcerpt } from './util/excerpt.js';
import { parseForwardSpec, type ForwardSpec } from './config/forward-spec.js';
import { checkKeys } from './remote/job-keys.js';
import { SLURM_EXPECT, isGpus, isPartition, isSlurmTime, type SlurmOverrides } from './config/slurm-values.js';
import { DEFAULT_JOB_SIZE, DEFAULT_MAX_OUTPUT, MAX_COUNT, MAX_TIMEOUT_SECONDS, type ForwardOptions, type GetOptions, type GlobalOptions, type InitOptions, type JobAction, type JobOptions, type McpOptions, type RunOptions, type WatchOptions } from './options.js';

export type { RawFlags } from './cli-flags.js';

export type Invocation =
  | { kind: 'init'; options: InitOptions }
  | { kind: 'run'; options: RunOptions }
  | { kind: 'job'; options: JobOptions }
  | { kind: 'get'; options: GetOptions }
  | { kind: 'watch'; options: WatchOptions }
  | { kind: 'forward'; options: ForwardOptions }
  | { kind: 'disconnect'; options: GlobalOptions }
  | { kind: 'doctor'; options: GlobalOptions & { server?: string } }
  | { kind: 'completion'; shell: Shell }
  | { kind: 'complete'; what: CompleteWhat }
  | { kind: 'mcp'; options: McpOptions };


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

/** `--size 120x40`: columns and rows a terminal can have. */
export function parseSize(value: string | undefined): { cols: number; rows: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^([0-9]{1,4})x([0-9]{1,4})$/.exec(value);
  const cols = Number(match?.[1]);
  const rows = Number(match?.[2]);
  if (!match || cols < 10 || rows < 2 || cols > 1000 || rows > 1000) {
    throw new UsageError(`--size expects COLSxROWS (10-1000 columns, 2-1000 rows), got ${formatExcerpt(value)}`, 'e.g. --size 120x40');
  }
  return { cols, rows };
}

export function parseForwards(values: readonly string[] | undefined): ForwardSpec[] {
  const forwards = (values ?? []).map((value) => {
    const spec = parseForwardSpec(value);
    if (typeof spec === 'string') throw new UsageError(`--forward: ${spec}`, 'e.g. --forward 8888, --forward 9000:8888 or --forward 9000:db.internal:5432');
    return spec;
  });
  const seen = new Set<number>();
  for (const forward of forwards) {
    if (seen.has(forward.localPort)) throw new UsageError(`--forward: local port ${forward.localPort} is given twice`, 'each local port can forward to one place');
    seen.add(forward.localPort);
  }
  return forwards;
}

// --partition, --gpus, --nodes, --time, checked as the config's `slurm:` values are.
export function parseSlurmFlags(flags: RawFlags): SlurmOverrides | undefined {
  const check = (value: string | undefined, flag: string, test: (v: string) => boolean, expected: string, example: string) => {
    if (value !== undefined && !test(value)) throw new UsageError(`${flag} expects ${expected}, got ${formatExcerpt(value)}`, `e.g. ${flag} ${example}`);
    return value;
  };
  const partition = check(flags.partition, '--partition', isPartition, SLURM_EXPECT.partition, 'gpu');
  const gpus = check(flags.gpus, '--gpus', isGpus, SLURM_EXPECT.gpus, '2');
  const time = check(flags.time, '--time', isSlurmTime, SLURM_EXPECT.time, '2:00:00');
  const nodes = parseCount(flags.nodes, '--nodes', 1);
  const out: SlurmOverrides = {
    ...(partition === undefined ? {} : { partition }),
    ...(gpus === undefined ? {} : { gpus }),
    ...(nodes === undefined ? {} : { nodes }),
    ...(time === undefined ? {} : { time }),
  };
  return Object.keys(out).length ? out : undefined;
}

function jobAction(flags: RawFlags, command: readonly string[]): JobAction | undefined {
  for (const flag of ['attach', 'logs', 'wait', 'kill', 'send', 'keys', 'screen'] as const) {
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
  // The words after --send NAME are the text, joined by one space, typed as they are.
  if (flags.send !== undefined) return { kind: 'send', name: flags.send, text: command.join(' '), enter: flags.enter !== false };
  if (flags.keys !== undefined) return { kind: 'keys', name: flags.keys, keys: checkKeys(command) };
  if (flags.screen !== undefined) return { kind: 'screen', name: flags.screen, lines: parseCount(flags.lines, '--lines') ?? 0, ansi: Boolean(flags.ansi) };
  return undefined;
}

// Decides what one mtr invocation does. mtr's actions are flags, so at most one may be given; the
// flag table (cli-flags.ts) refuses, before anything else, every flag the action cannot honour.
export function planInvocation(flags: RawFlags, command: string[]): Invocation {
  const global: GlobalOptions = { reuse: flags.reuse !== false, debug: Boolean(flags.debug), enableLog: Boolean(flags.enableLog), logFile: flags.logFile };
  const action = resolveAction(flags, command);
  checkFlagScope(flags, action);
  if (flags.all && flags.server !== undefined) throw new UsageError('choose -s or --all, not both');
  if (flags.delete && flags.sync === false) throw new UsageError('--delete mirrors deletions during the sync; it cannot be combined with --no-sync', 'drop --delete or --no-sync');
  const parallel = parseCount(flags.parallel, '--parallel', 1);
  // Checked before any config is read or server asked: `--name ''` is not "no name".
  if (flags.name !== undefined) checkJobName(flags.name, '--name');
  const noCommand = (hint?: string) => {
    if (command.length) throw new UsageError(`--${action} takes no command (got "${command.join(' ')}")`, hint);
  };
  switch (action) {
    case 'get':
      noCommand('run the command and the download separately');
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
          json: Boolean(flags.json),
          ...(flags.to === undefined ? {} : { to: flags.to }),
        },
      };
    case 'doctor':
      noCommand('run `mtr --doctor` on its own (with -s NAME for another server)');
      return { kind: 'doctor', options: { ...global, ...(flags.server === undefined ? {} : { server: flags.server }) } };
    case 'completion':
      noCommand();
      if (!SHELLS.includes(flags.completion as Shell)) {
        throw new UsageError(`--completion supports ${SHELLS.join(', ')}, not ${JSON.stringify(flags.completion)}`, 'e.g. eval "$(mtr --completion bash)" in ~/.bashrc');
      }
      return { kind: 'completion', shell: flags.completion as Shell };
    case 'complete':
      if (flags.complete !== 'servers' && flags.complete !== 'jobs') throw new UsageError('--complete takes servers or jobs');
      return { kind: 'complete', what: flags.complete };
    case 'mcp':
      noCommand('`mtr --mcp` serves tools over stdio; the client sends the commands');
      return { kind: 'mcp', options: { ...global, ...(flags.server === undefined ? {} : { server: flags.server }), ...(flags.sync === undefined ? {} : { sync: flags.sync }) } };
    case 'disconnect':
      noCommand();
      return { kind: 'disconnect', options: global };
    case 'init':
      noCommand('run `mtr --init` on its own');
      return { kind: 'init', options: { ...global, force: Boolean(flags.force) } };
    case 'jobs':
    case 'attach':
    case 'logs':
    case 'wait':
    case 'kill':
    case 'send':
    case 'keys':
    case 'screen': {
      if (action !== 'send' && action !== 'keys') noCommand('mtr options go before the command; job flags stand alone');
      if (action === 'send' && !command.length && flags.enter === false) throw new UsageError('--send --no-enter needs text to type', 'e.g. `mtr --send NAME --no-enter "partial"`');
      const job = jobAction(flags, command) as JobAction;
      const options: JobOptions = {
        ...global,
        server: flags.server,
        all: Boolean(flags.all),
        tty: flags.tty,
        json: Boolean(flags.json),
        maxOutput: parseCount(flags.maxOutput, '--max-output', 1) ?? DEFAULT_MAX_OUTPUT,
        forwards: parseForwards(flags.forward),
        action: job,
      };
      return { kind: 'job', options: parallel === undefined ? options : { ...options, parallel } };
    }
    case 'watch':
    case 'watch-cmd':
      return { kind: 'watch', options: watchOptions(flags, global, command) };
    case 'forward': {
      const forwards = parseForwards(flags.forward);
      return { kind: 'forward', options: { ...global, server: flags.server, forwards } };
    }
    case 'session':
    case 'run':
    case 'detach': {
      if (flags.session !== undefined) checkJobName(flags.session, '--session');
      if (action === 'session' && !command.length) throw new UsageError('--session needs a command to run in the shell', 'e.g. `mtr --session work cd src`; end it with `mtr --session work exit` or `mtr --kill work`');
      const timeoutSeconds = parseSeconds(flags.timeout, '--timeout');
      // -d --size is a job on a terminal of that size, as -d --tty is one of the default size.
      const size = parseSize(flags.size) ?? (action === 'detach' && flags.tty ? DEFAULT_JOB_SIZE : undefined);
      const slurm = parseSlurmFlags(flags);
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
          detach: action === 'detach',
          deleteRemote: Boolean(flags.delete),
          quiet: Boolean(flags.quiet),
          verbose: Boolean(flags.verbose),
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(flags.session === undefined ? {} : { session: flags.session }),
          ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
          ...(size === undefined ? {} : { size: { ...size } }),
          json: Boolean(flags.json),
          maxOutput: parseCount(flags.maxOutput, '--max-output', 1) ?? DEFAULT_MAX_OUTPUT,
          forwards: parseForwards(flags.forward),
          ...(slurm === undefined ? {} : { slurm }),
          command,
        },
      };
    }
  }
}

// `mtr --watch` syncs on every change; `mtr --watch cmd…` also restarts cmd (streamed, no PTY).
// Which flags go with which is the flag table's business.
function watchOptions(flags: RawFlags, global: GlobalOptions, command: string[]): WatchOptions {
  return {
    ...global,
    server: flags.server,
    tty: flags.tty,
    dryRun: Boolean(flags.dryRun),
    deleteRemote: Boolean(flags.delete),
    quiet: Boolean(flags.quiet),
    ...(flags.name === undefined ? {} : { name: flags.name }),
    command,
    forwards: parseForwards(flags.forward),
  };
}
