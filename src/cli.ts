import { Command, CommanderError, Option } from 'commander';
import { planInvocation, type Invocation, type RawFlags } from './cli-plan.js';
import type { FlagSpec } from './completion/scripts.js';
import type { Context } from './context.js';
import { UsageError } from './errors.js';
import type { PlanRequest } from './plan/build-plan.js';
import { VERSION } from './version.js';

const USAGE_EXAMPLES = `
Options are read only before the command: \`mtr python3 -s x\` runs \`python3 -s x\` remotely.
One quoted word is a shell line: mtr "make && ./run | tee log".

Every run is a tmux job on the server: it survives a dropped connection.
A flag that does not apply to what you asked (\`mtr --dry-run --kill x\`) is refused (exit 2).

Examples:
  mtr python train.py --epochs 10     sync, then run on the default server
  mtr -s gpu2 nvidia-smi              pick a server
  mtr --no-tty pytest > log.txt       clean batch output (for scripts and agents)
  mtr --dry-run python train.py       show the server, the sync and the remote command
  mtr -d --name train python train.py start a job and return; then:
  mtr --jobs | --logs train --follow | --wait train --for "epoch 3" | --attach train | --kill train
  mtr -s gpus nvidia-smi              run on every server of a group; lines prefixed [server]
  mtr --watch python serve.py         re-sync and restart on every local change (Ctrl+C stops)
  mtr --get outputs --to ./results    download into ./results/outputs (sync first unless --no-sync)
  mtr --init                          write .mtr/config.yaml

Exit codes: the remote command's own; 128+n if it died of signal n; 130 after Ctrl+C; 143 after
SIGTERM; 141 stdout closed early; 1 sync or download failed (or a --doctor check, a --kill
that could not stop the job, an internal error); 2 usage or config error; 124 --timeout ran out;
125 pre_cmd failed;
255 connection, authentication or host key failure. With several servers: the largest.`;

export function buildProgram(ctx: Context, onAction: (flags: RawFlags, command: string[]) => Promise<void>): Command {
  return new Command('mtr')
    .usage('[options] [--] <command...>')
    .description('Sync the project to a remote server and run a command there as if it were local.')
    .argument('[command...]', 'the remote command and its arguments')
    .passThroughOptions()
    .option('-s, --server <name>', 'server, group, or several: -s a,b (or MTR_SERVER)')
    .option('--all', 'every configured server at once')
    .option('--parallel <n>', 'with several servers: how many at once (default 8)')
    .option('--sync', 'sync the project before running (default)')
    .option('--no-sync', 'skip the sync')
    .option('--tty', 'force an interactive terminal (PTY)')
    .option('--no-tty', 'batch mode: no PTY, no spinners, plain stdout/stderr')
    .option('--dry-run', 'show what a run, --get or --watch would do; change nothing')
    .option('--delete', 'mirror local deletions on the server (never touches excluded paths)')
    .option('-v, --verbose', 'batch mode: also print the sync summary line on stderr')
    .option('-q, --quiet', 'no per-sync lines in --watch, no download line for --get')
    .option('--watch', 'sync on every change until Ctrl+C; with a command, restart it on every change')
    .option('--get <remote>', 'download a file or directory (relative to remote_dir)')
    .option('--to <local>', 'with --get: the folder to put it in (a file may take a new name; default: download_dir, else here)')
    .option('-d, --detach', 'start the job and return at once, printing its name')
    .option('--name <name>', 'name the job of a run, -d or --watch CMD (letters, digits, - and _)')
    .option('--jobs', "list this project's jobs on the server")
    .option('--json', 'print the result as one JSON document on stdout (runs, -d, --session, --get, job commands)')
    .option('--max-output <bytes>', 'with --json: bytes of stdout and of stderr kept (head and tail; default 262144)')
    .option('--all-projects', "with --jobs: every project's jobs on the server, not only this one's")
    .option('--attach <name>', 'reattach to a job (a batch job, or no terminal: follow its output, exit with its code; Ctrl+C stops watching)')
    .option('--logs <name>', "print a job's output so far (stdout, then stderr)")
    .option('--follow', 'with --logs: keep streaming until the job ends')
    .option('--tail <n>', 'with --logs: only the last n lines of each stream')
    .option('--wait <name>', 'wait for a job to end and exit with its code')
    .option('--for <regex>', 'with --wait: return 0 as soon as the output matches')
    .option('--timeout <seconds>', 'a run or --session command: stop it after this long; --wait: give up (exit 124)')
    .option('--kill <name>', 'stop a job (SIGINT, then SIGTERM, then SIGKILL)')
    .option('--session <name>', 'run the command in the persistent shell NAME (cd, exports, venv carry over)')
    .option('--send <name>', "type the words after it into job NAME's terminal, then Enter")
    .option('--no-enter', 'with --send: type without pressing Enter')
    .option('--keys <name>', "press named keys in job NAME's terminal (C-c, C-d, Enter, Up, Tab, F1, …)")
    .option('--screen <name>', "print what job NAME's terminal shows now")
    .option('--lines <n>', 'with --screen: also n lines of history above it')
    .option('--ansi', 'with --screen: keep colours')
    .option('--partition <name>', 'Slurm server: the partition of this run (over slurm.partition)')
    .option('--gpus <n>', 'Slurm server: GPUs of this run, a count or TYPE:COUNT (over slurm.gpus)')
    .option('--nodes <n>', 'Slurm server: nodes of this run, one task per node (over slurm.nodes)')
    .option('--time <limit>', 'Slurm server: time limit of this run, e.g. 30 or 2:00:00 (over slurm.time)')
    .option('--size <cols>x<rows>', 'with -d --tty: the terminal size (default 120x40)')
    .option('--forward <spec>', 'forward a local port to the server: PORT, LOCAL:PORT or LOCAL:HOST:PORT (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--mcp', 'serve mtr as MCP tools over stdio, for AI agents (README "MCP server")')
    .option('--no-reuse', 'do not use or leave a shared connection this time')
    .option('--disconnect', 'close the shared connections kept for fast repeated runs')
    .option('--init', 'write a commented .mtr/config.yaml here')
    .option('--force', 'with --init: overwrite an existing config')
    .option('--doctor', 'check the config, connection, remote shell, tmux, rsync and pre_cmd')
    .option('--completion <shell>', 'print a shell completion script: bash, zsh or fish')
    .addOption(new Option('--complete <what>', 'words for the completion script: servers or jobs').hideHelp())
    .option('--enable-log', 'write a debug log to .mtr/logs/ (secrets redacted)')
    .option('--log-file <path>', 'write the debug log to this file')
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', USAGE_EXAMPLES)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void ctx.stdout.write(text),
      writeErr: (text) => void ctx.stderr.write(text),
      outputError: () => undefined,
    })
    .action(async (command: string[], flags: RawFlags) => onAction(flags, command));
}

// Commander signals help/version and parse errors by throwing; map them to exit codes.
export function mapCommanderError(error: CommanderError): UsageError | { exitCode: number } {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { exitCode: 0 };
  const message = error.message.replace(/^error:\s*/, '');
  return new UsageError(message, 'see `mtr --help`');
}

// The flags the completion scripts offer: the declared ones, as the help shows them.
function completionFlags(program: Command): FlagSpec[] {
  return program.options
    .filter((option) => !option.hidden && option.long)
    .map((option) => ({
      long: option.long as string,
      ...(option.short ? { short: option.short } : {}),
      takesValue: option.required || option.optional,
      description: option.description,
    }))
    .concat({ long: '--help', short: '-h', takesValue: false, description: 'show this help' });
}

/** How a command line ended: its exit code, and whether it did mtr's remote work (below). */
export interface CliOutcome {
  exitCode: number;
  remoteWork: boolean;
}

/** A run, a job command or a download, not a dry run: the paths a warm start should find compiled (src/boot.ts). */
export function isRemoteWork(invocation: Invocation): boolean {
  if (invocation.kind === 'job') return true;
  return (invocation.kind === 'run' || invocation.kind === 'get') && !invocation.options.dryRun;
}

// Plans, runs the command, prints its result; resolves with the exit code (src/index.ts ends with it).
export async function runCli(argv: string[], ctx: Context): Promise<CliOutcome> {
  const outcome: CliOutcome = { exitCode: 0, remoteWork: false };
  const program: Command = buildProgram(ctx, async (flags, command) => {
    const invocation = planInvocation(flags, command);
    outcome.remoteWork = isRemoteWork(invocation);
    outcome.exitCode = await act(ctx, invocation, () => completionFlags(program));
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const mapped = mapCommanderError(error);
      if (mapped instanceof UsageError) throw mapped;
      return { exitCode: mapped.exitCode, remoteWork: false };
    }
    throw error;
  }
  return outcome;
}

async function act(ctx: Context, invocation: Invocation, flags: () => FlagSpec[]): Promise<number> {
  const print = await import('./cli/print.js');
  switch (invocation.kind) {
    case 'init': {
      const { runInit } = await import('./commands/init.js');
      return print.printInit(ctx, (await runInit(ctx, invocation.options)).written);
    }
    case 'mcp': {
      const { runMcpServer } = await import('./mcp/server.js');
      return runMcpServer(ctx, invocation.options);
    }
    case 'disconnect': {
      const { runDisconnect } = await import('./commands/disconnect.js');
      return print.printDisconnect(ctx, (await runDisconnect(ctx)).closed);
    }
    case 'doctor': {
      const { runDoctor } = await import('./commands/doctor.js');
      return print.printDoctor(ctx, await runDoctor(ctx, invocation.options));
    }
    case 'completion': {
      const { runCompletion } = await import('./commands/completion.js');
      ctx.stdout.write(runCompletion(invocation.shell, flags()).script);
      return 0;
    }
    case 'complete': {
      const { runComplete } = await import('./commands/completion.js');
      return print.printWords(ctx, (await runComplete(ctx, invocation.what)).words);
    }
    case 'job': {
      const plan = await planFor(ctx, invocation);
      const { runJobCommand } = await import('./commands/jobs.js');
      return print.printJobs(ctx, plan, await runJobCommand(ctx, plan));
    }
    case 'get': {
      const plan = await planFor(ctx, invocation);
      if (plan.dryRun) {
        const { previewGet } = await import('./commands/dry-run.js');
        return print.printGetDryRun(ctx, plan, await previewGet(ctx, plan));
      }
      const { runGet } = await import('./commands/get.js');
      return print.printGet(ctx, plan, await runGet(ctx, plan));
    }
    case 'watch': {
      const plan = await planFor(ctx, invocation);
      if (plan.dryRun) {
        const { previewWatch } = await import('./commands/dry-run.js');
        return print.printWatchDryRun(ctx, plan, await previewWatch(plan));
      }
      const { runWatch } = await import('./commands/watch.js');
      return print.printWatch(ctx, await runWatch(ctx, plan));
    }
    case 'forward': {
      const plan = await planFor(ctx, invocation);
      const { runForward } = await import('./commands/forward.js');
      return (await runForward(ctx, plan)).exitCode;
    }
    case 'run': {
      const plan = await planFor(ctx, invocation);
      if (plan.dryRun) {
        const { previewRun } = await import('./commands/dry-run.js');
        return print.printDryRun(ctx, plan, await previewRun(plan));
      }
      if (plan.fanOut?.notice) ctx.stderr.write(`mtr: ${plan.fanOut.notice}\n`);
      const { runRun } = await import('./commands/run.js');
      return print.printRun(ctx, plan, await runRun(ctx, plan));
    }
  }
}

async function planFor<R extends PlanRequest>(ctx: Context, request: R) {
  const { planRequest } = await import('./commands/plan-inputs.js');
  return planRequest(ctx, request);
}
