import { Command, CommanderError, Option } from 'commander';
import type { Context } from './context.js';
import { UsageError } from './errors.js';
import type { GlobalOptions } from './options.js';
import { VERSION } from './version.js';

const USAGE_EXAMPLES = `
Options are read only before the command: \`mtr python3 -s x\` runs \`python3 -s x\` remotely.
One quoted word is a shell line: mtr "make && ./run | tee log".

Examples:
  mtr python train.py --epochs 10     sync, then run on the default server
  mtr -s gpu2 nvidia-smi              pick a server
  mtr --no-tty pytest > log.txt       clean batch output (for scripts and agents)
  mtr --dry-run python train.py       show the server, the sync and the remote command
  mtr --init                          write .mtr/config.yaml

Exit codes: the remote command's own; 128+n if it died of signal n; 2 usage or config error;
255 connection, authentication or host key failure.`;

interface RawFlags {
  server?: string;
  sync?: boolean;
  tty?: boolean;
  dryRun?: boolean;
  init?: boolean;
  force?: boolean;
  enableLog?: boolean;
  logFile?: string;
  debug?: boolean;
}

export function buildProgram(ctx: Context, onAction: (flags: RawFlags, command: string[]) => Promise<void>): Command {
  const program = new Command('mtr')
    .usage('[options] [--] <command...>')
    .description('Sync the project to a remote server and run a command there as if it were local.')
    .argument('[command...]', 'the remote command and its arguments')
    .passThroughOptions()
    .option('-s, --server <name>', 'server from .mtr/config.yaml (or MTR_SERVER)')
    .option('--sync', 'sync the project before running (default)')
    .option('--no-sync', 'skip the sync')
    .option('--tty', 'force an interactive terminal (PTY)')
    .option('--no-tty', 'batch mode: no PTY, no spinners, plain stdout/stderr')
    .option('--dry-run', 'show what would happen; change nothing remotely')
    .option('--init', 'write a commented .mtr/config.yaml here')
    .option('--force', 'with --init: overwrite an existing config')
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
  return program;
}

export function toGlobalOptions(flags: RawFlags): GlobalOptions {
  return { debug: Boolean(flags.debug), enableLog: Boolean(flags.enableLog), logFile: flags.logFile };
}

// Commander signals help/version and parse errors by throwing; map them to exit codes.
export function mapCommanderError(error: CommanderError): UsageError | { exitCode: number } {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { exitCode: 0 };
  const message = error.message.replace(/^error:\s*/, '');
  return new UsageError(message, 'see `mtr --help`');
}

export async function runCli(argv: string[], ctx: Context): Promise<void> {
  const program = buildProgram(ctx, async (flags, command) => {
    const global = toGlobalOptions(flags);
    if (flags.init) {
      if (command.length) throw new UsageError('--init takes no command', 'run `mtr --init` on its own');
      const { runInit } = await import('./commands/init.js');
      return runInit(ctx, { ...global, force: Boolean(flags.force) });
    }
    if (flags.force) throw new UsageError('--force only applies to --init', 'run `mtr --init --force`');
    const { runRun } = await import('./commands/run.js');
    return runRun(ctx, {
      ...global,
      server: flags.server,
      sync: flags.sync,
      tty: flags.tty,
      dryRun: Boolean(flags.dryRun),
      command,
    });
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const mapped = mapCommanderError(error);
      if (mapped instanceof UsageError) throw mapped;
      return;
    }
    throw error;
  }
}
