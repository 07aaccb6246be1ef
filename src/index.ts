import { processContext } from './context.js';
import { formatError } from './errors.js';
import { VERSION } from './version.js';

// The one place that turns an error into stderr text and an exit status. Nothing else exits.
export async function main(argv: string[]): Promise<void> {
  // Scripts poll `mtr --version`; answer it without loading the CLI parser.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // A reader that goes away (`mtr --help | head -1`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exitCode ||= 141;
  });
  const ctx = processContext();
  const debug = argv.includes('--debug') || Boolean(ctx.env.MTR_DEBUG);
  // dist/ is minified: stack traces (shown only with --debug) point into src/ through the source maps.
  if (debug) process.setSourceMapsEnabled(true);
  try {
    const { runCli } = await import('./cli.js');
    const exitCode = await runCli(argv, ctx);
    if (exitCode !== 0) process.exitCode = exitCode;
  } catch (error) {
    const { text, exitCode } = formatError(error, debug);
    if (text) ctx.stderr.write(text);
    process.exitCode = exitCode;
  }
}
