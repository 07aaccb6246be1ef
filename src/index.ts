import { processContext, type Context } from './context.js';
import { EXIT, describeForLog, formatError } from './errors.js';
import { VERSION } from './version.js';

/** How main() was loaded (src/boot.ts); main saves the code cache after the work a cache should hold. */
export interface Startup {
  /** Writes this build's code cache when it had none, or V8 refused it; never throws. */
  saveCodeCache(): void;
}

// The one place that turns an error into stderr text and an exit status. Nothing else exits.
// `startup` is absent when run from the sources (tests, tsx).
export async function main(argv: string[], startup?: Startup): Promise<void> {
  // Scripts poll `mtr --version`; answer it without loading the CLI parser.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // A reader that goes away (`mtr --help | head -1`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exitCode ||= EXIT.brokenPipe;
  });
  const ctx = processContext();
  const debug = argv.includes('--debug') || Boolean(ctx.env.MTR_DEBUG);
  // dist/ is minified: stack traces (shown only with --debug) point into src/ through the source
  // maps, which src/boot.ts turned on before loading the bundle.
  endOnStrayErrors(ctx, debug);
  try {
    const { runCli } = await import('./cli.js');
    const { exitCode, remoteWork } = await runCli(argv, ctx);
    if (exitCode !== 0) process.exitCode = exitCode;
    if (remoteWork) startup?.saveCodeCache();
  } catch (error) {
    process.exitCode = reportError(ctx, error, debug);
  }
}

// A throw in a callback or a promise nobody awaited: the same message and exit code as any other
// error (never Node's raw stack), then the end at once, as the program's state is unknown from here.
// The terminal is restored by the 'exit' handlers (raw mode, cursor).
function endOnStrayErrors(ctx: Context, debug: boolean): void {
  let ending = false;
  const end = (error: unknown) => {
    if (ending) return;
    ending = true;
    const exitCode = reportError(ctx, error, debug);
    process.exitCode = exitCode;
    ctx.stderr.write('', () => process.exit(exitCode));
  };
  process.on('uncaughtException', end);
  process.on('unhandledRejection', end);
}

// One message on stderr (the spinner cleared first); the whole story, stack included, in the debug
// log when one is open.
function reportError(ctx: Context, error: unknown, debug: boolean): number {
  const { text, exitCode } = formatError(error, debug);
  ctx.liveLine?.current?.pause();
  if (text) ctx.stderr.write(text);
  ctx.debugLog?.current?.debug(`ended with exit ${exitCode}: ${describeForLog(error)}`);
  return exitCode;
}
