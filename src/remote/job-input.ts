import { TMUX, jobDir } from './job-paths.js';
import { shellJoin, shellQuote } from './shell-quote.js';

// Builders for the remote lines that drive a job's terminal: type text, press keys, read the screen.
// The job's pane is addressed `=NAME:` (exact session, pane target). A job has a terminal when its
// record holds a `tty` mark (written at launch for `-d --tty`, sessions and interactive runs).

/** Exit statuses the input and screen scripts end with besides 0; read by jobs/input.ts. */
export const INPUT_STATUS = { noJob: 3, noTerminal: 4, ended: 5, tmuxFailed: 6 } as const;

const S = INPUT_STATUS;

function enterJob(name: string): string {
  return `cd ${jobDir(name)} 2>/dev/null && [ -f meta.json ] || exit ${S.noJob}`;
}

// A job that ended (rc written) or whose session is gone takes no more input.
function running(name: string): string {
  return `{ [ ! -f rc ] && ${TMUX} has-session -t =${name} 2>/dev/null; } || exit ${S.ended}`;
}

/**
 * Types `text` literally (`send-keys -l`: `Enter` or `C-c` in it are letters, not keys), then,
 * unless told not to, presses Enter in a second call: REPLs and TUIs can drop a newline that
 * arrives together with the text.
 */
export function buildSendScript(name: string, text: string, enter: boolean): string {
  const target = `=${name}:`;
  const lines = [
    enterJob(name),
    `[ -f tty ] || exit ${S.noTerminal}`,
    running(name),
    ...(text === '' ? [] : [`${TMUX} send-keys -t ${target} -l -- ${shellQuote(text)} || exit ${S.tmuxFailed}`]),
    ...(enter ? [`${TMUX} send-keys -t ${target} Enter || exit ${S.tmuxFailed}`] : []),
    'exit 0',
  ];
  return lines.join('\n');
}

/** Presses named keys (already checked and spelled as tmux spells them: job-keys.ts), in order. */
export function buildKeysScript(name: string, tmuxKeys: readonly string[]): string {
  return [
    enterJob(name),
    `[ -f tty ] || exit ${S.noTerminal}`,
    running(name),
    `${TMUX} send-keys -t =${name}: ${shellJoin(tmuxKeys)} || exit ${S.tmuxFailed}`,
    'exit 0',
  ].join('\n');
}

export interface ScreenOptions {
  /** Lines of history above the visible screen to include. */
  history: number;
  /** Keep colours and attributes (escape sequences). */
  ansi: boolean;
}

/** Lines of a batch job's output that stand for its "screen" when it has no terminal. */
export const BATCH_SCREEN_LINES = 50;

/**
 * What the job's terminal shows now (`capture-pane -J`: wrapped lines joined), with `history` lines
 * above it; the first line of output is the job's kind (`tty` or `batch`) and state (`running` or
 * `ended`). A tty job that has ended shows the last screen it left (kept at its end); a batch job
 * shows the last lines of its stdout, then of its stderr.
 */
export function buildScreenScript(name: string, options: ScreenOptions): string {
  const start = options.history > 0 ? ` -S -${options.history}` : '';
  const colours = options.ansi ? ' -e' : '';
  const lines = BATCH_SCREEN_LINES + options.history;
  return [
    enterJob(name),
    `if [ -f rc ] || ! ${TMUX} has-session -t =${name} 2>/dev/null; then st=ended; else st=running; fi`,
    'if [ -f tty ]; then',
    '  echo "tty $st"',
    `  if [ $st = running ]; then ${TMUX} capture-pane -p -J${colours}${start} -t =${name}: || exit ${S.tmuxFailed}`,
    '  elif [ -f screen ]; then cat screen; fi',
    'else',
    '  echo "batch $st"',
    `  [ ! -f out ] || tail -n ${lines} out`,
    `  [ ! -f err ] || tail -n ${lines} err`,
    'fi',
    'exit 0',
  ].join('\n');
}
