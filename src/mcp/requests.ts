import { UsageError } from '../errors.js';
import { DEFAULT_JOB_SIZE, DEFAULT_MAX_OUTPUT, type GetOptions, type GlobalOptions, type JobAction, type JobOptions, type McpOptions, type RunOptions } from '../options.js';
import type { PlanRequest } from '../plan/build-plan.js';

// The tools' arguments as the options the CLI would have planned from flags: the same planner, the
// same command functions. Pure.

/** What `mtr --mcp [flags]` sets for every call: the default server, sync, the debug log. */
export interface McpDefaults extends GlobalOptions {
  server?: string;
  sync: boolean;
}

export function mcpDefaults(options: McpOptions): McpDefaults {
  const { server, sync, ...global } = options;
  return { ...global, ...(server === undefined ? {} : { server }), sync: sync !== false };
}

/** A string is one shell line (as one quoted word is for the CLI); an array is the argv. */
export function commandArgv(command: string | readonly string[]): string[] {
  const argv = typeof command === 'string' ? [command] : [...command];
  if (!argv.length || argv.every((word) => word === '')) throw new UsageError('command is empty', 'give a shell line, or an argv array');
  return argv;
}

function globalOf(defaults: McpDefaults): GlobalOptions {
  return { reuse: defaults.reuse, debug: defaults.debug, enableLog: defaults.enableLog, ...(defaults.logFile === undefined ? {} : { logFile: defaults.logFile }) };
}

const serverOf = (defaults: McpDefaults, server: string | undefined): string | undefined => server ?? defaults.server;

export interface StartArgs {
  command: string | readonly string[];
  name?: string;
  tty?: boolean;
  server?: string;
  sync?: boolean;
}

// `run` and `start` both start a detached job (`mtr -d [--tty]`): `run` then waits for it.
export function startRequest(defaults: McpDefaults, args: StartArgs): Extract<PlanRequest, { kind: 'run' }> {
  const server = serverOf(defaults, args.server);
  const options: RunOptions = {
    ...globalOf(defaults),
    ...(server === undefined ? {} : { server }),
    sync: args.sync ?? defaults.sync,
    tty: Boolean(args.tty),
    dryRun: false,
    detach: true,
    deleteRemote: false,
    quiet: true,
    verbose: false,
    ...(args.name === undefined ? {} : { name: args.name }),
    ...(args.tty ? { size: { ...DEFAULT_JOB_SIZE } } : {}),
    command: commandArgv(args.command),
  };
  return { kind: 'run', options };
}

// The `sync` tool plans a run's sync: the same server choice and sync policy. The command is never run.
export function syncRequest(defaults: McpDefaults, server: string | undefined): Extract<PlanRequest, { kind: 'run' }> {
  return startRequest(defaults, { command: ['true'], sync: true, ...(server === undefined ? {} : { server }) });
}

export function jobRequest(defaults: McpDefaults, server: string | undefined, action: JobAction, maxOutput = DEFAULT_MAX_OUTPUT): Extract<PlanRequest, { kind: 'job' }> {
  const chosen = serverOf(defaults, server);
  const options: JobOptions = { ...globalOf(defaults), ...(chosen === undefined ? {} : { server: chosen }), tty: false, json: true, maxOutput, action };
  return { kind: 'job', options };
}

export function getRequest(defaults: McpDefaults, args: { remote: string; to?: string; server?: string; sync?: boolean }): Extract<PlanRequest, { kind: 'get' }> {
  const server = serverOf(defaults, args.server);
  const options: GetOptions = {
    ...globalOf(defaults),
    ...(server === undefined ? {} : { server }),
    sync: args.sync ?? defaults.sync,
    dryRun: false,
    deleteRemote: false,
    quiet: true,
    verbose: false,
    remotePath: args.remote,
    json: true,
    ...(args.to === undefined ? {} : { to: args.to }),
  };
  return { kind: 'get', options };
}

/** The MCP tools act on one server; a group or a list is refused before anything runs. */
export function checkOneServer(names: readonly string[]): void {
  if (names.length > 1) throw new UsageError(`the MCP tools act on one server, and this names ${names.length} (${names.join(', ')})`, 'pass one server in `server`');
}
