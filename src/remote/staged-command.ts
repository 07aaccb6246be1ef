import { wrapForLoginShell } from './command.js';
import { shellQuote } from './shell-quote.js';

// sshd hands a command line to the login shell as one argument (`$SHELL -c LINE`), a shared
// connection hands it to a local `ssh` as one, and `sh -c SCRIPT` takes the script as one: Linux
// refuses any single argument over 128 KiB (E2BIG). Longer lines and scripts go through private
// files in ~/.mtr/stage instead, each removing itself as it starts. Pure.

/** Longest command line or script passed as one argument; well under the 128 KiB limit. */
export const INLINE_COMMAND_LIMIT = 64 * 1024;

export function needsStaging(command: string): boolean {
  return Buffer.byteLength(command, 'utf8') > INLINE_COMMAND_LIMIT;
}

const STAGE_DIR = '"$HOME"/.mtr/stage';

export interface StagedCommand {
  /** Reads `content` from stdin into the file; exits 0 once it is complete. */
  upload: string;
  content: Buffer;
  /** Runs the file with /bin/sh (the lines mtr sends are POSIX). */
  run: string;
}

// `id` names the file (random hex from the caller). Files left by a link lost between the two
// execs are removed by a later upload once a day old.
export function planStagedCommand(command: string, id: string): StagedCommand {
  if (!/^[0-9a-f]{8,64}$/.test(id)) throw new Error(`bad stage id ${JSON.stringify(id)} (this is a bug, please report it)`);
  const file = `${STAGE_DIR}/${id}`;
  return {
    upload: wrapForLoginShell(
      `umask 077 && mkdir -p ${STAGE_DIR} && { find ${STAGE_DIR}/ -type f -mtime +0 -exec rm -f {} + 2>/dev/null; cat >${file}; }`,
    ),
    content: Buffer.from(`rm -f -- "$0"\n${command}\n`, 'utf8'),
    run: `exec /bin/sh ${file}`,
  };
}

/**
 * Shell code that runs `script` (bash, else /bin/sh) in place of the current shell: the command
 * without a tmux job. A long script is written to a private file first (0600, then the login's
 * umask again for the command), as `sh -c` could not take it.
 */
export function buildDirectCommand(script: string): string {
  const inline = wrapForLoginShell(script);
  if (!needsStaging(inline)) return `exec ${inline}`;
  return [
    'mtr_um=$(umask); umask 077',
    `mkdir -p ${STAGE_DIR} && f=${STAGE_DIR}/direct-$$ && { printf 'rm -f -- "$0"\\numask %s\\n' "$mtr_um"; printf '%s\\n' ${shellQuote(script)}; } >"$f" || exit 1`,
    'if command -v bash >/dev/null 2>&1; then exec bash "$f"; else exec /bin/sh "$f"; fi',
  ].join('\n');
}
