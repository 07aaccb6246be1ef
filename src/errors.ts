// Typed errors: each carries the exit code the process ends with. Only src/index.ts turns them into a
// status. A command's ordinary end (the remote command's own code, a stop by Ctrl+C) is no error:
// commands return it in their result.
import { sanitizeMessage } from './util/excerpt.js';

/** Documented exit codes (README "Exit codes"). Remote codes pass through unchanged. */
export const EXIT = {
  ok: 0,
  /** Something mtr did failed (not the input, not the link): the file watcher, --kill, an internal error. */
  failed: 1,
  /** Sync or download failed on the file side (permissions, disk full, …), either engine. */
  sync: 1,
  usage: 2,
  timeout: 124,
  sigint: 130,
  /** Our stdout's reader went away (`mtr … | head`), as a shell reports SIGPIPE. */
  brokenPipe: 141,
  sigterm: 143,
  transport: 255,
} as const;

// Names are spelled out: the bundle is minified, and `new.target.name` would say "x" in the debug log.
export class MtrError extends Error {
  override name = 'MtrError';
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, options: { exitCode: number; hint?: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode;
    this.hint = options.hint;
  }
}

/** Bad flags, bad config, missing files: the user can fix it. Exit 2. */
export class UsageError extends MtrError {
  override name = 'UsageError';
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: EXIT.usage, hint, cause });
  }
}

/** More problems than anyone reads in one go; the rest are counted. */
const MAX_SHOWN_PROBLEMS = 20;

/** Every problem found in a config file, reported together. Exit 2. */
export class ConfigError extends MtrError {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[], hint?: string) {
    const more = problems.length - MAX_SHOWN_PROBLEMS;
    const shown = more > 0 ? [...problems.slice(0, MAX_SHOWN_PROBLEMS), `… and ${more} more problems`] : problems;
    super(shown.join('\n'), { exitCode: EXIT.usage, hint });
    this.problems = problems;
  }
}

/** Could not reach, authenticate to, or trust the server; or the link dropped. Exit 255 like ssh. */
export class ConnectionError extends MtrError {
  override name = 'ConnectionError';
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: EXIT.transport, hint, cause });
  }
}

/** The transfer itself failed (remote permissions, disk full, a file in the way). Exit 1, like scp. */
export class SyncError extends MtrError {
  override name = 'SyncError';
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: EXIT.sync, hint, cause });
  }
}

/** The server has no SFTP subsystem (or refused the channel): a sync can fall back to a full one. */
export class SftpUnavailableError extends SyncError {
  override name = 'SftpUnavailableError';
}

/** Ctrl+C at a question (host key, passphrase): the run ends as after Ctrl+C anywhere, 130. */
export class CancelledError extends MtrError {
  override name = 'CancelledError';
  constructor(message: string) {
    super(message, { exitCode: EXIT.sigint });
  }
}

// One place decides what the user sees: a short line and a fix; stacks only with --debug. Messages
// may quote a file, a flag or a server's words: no control byte and no megabyte reaches the terminal.
export function formatError(error: unknown, debug = false): { text: string; exitCode: number } {
  if (error instanceof MtrError) {
    const lines = [`mtr: ${sanitizeMessage(error.message)}`];
    if (error.hint) lines.push(`  fix: ${sanitizeMessage(error.hint)}`);
    if (debug && error.cause instanceof Error && error.cause.stack) lines.push(error.cause.stack);
    return { text: lines.join('\n') + '\n', exitCode: error.exitCode };
  }
  const message = sanitizeMessage(error instanceof Error ? error.message : String(error));
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return {
    text: `mtr: internal error: ${message}${stack}\n  This is a bug; please report it (run with --debug for details).\n`,
    exitCode: EXIT.failed,
  };
}

// For the debug log: the whole story of an error that ended the run, causes included.
export function describeForLog(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push(`${depth ? 'caused by: ' : ''}${current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n');
}
