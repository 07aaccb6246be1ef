import { TERM_FALLBACK } from './job-env.js';
import { TMUX, jobDir } from './job-paths.js';
import { shellQuote } from './shell-quote.js';

// Attaching to a job's terminal, and the screen it leaves behind.

// tmux needs the client's TERM in the server's terminfo; fall back to FALLBACK_TERM. Attaching
// also opens the start gate of an interactive job.
export function buildAttachCommand(name: string, term: string): string {
  return [
    `TERM=${shellQuote(term)}; export TERM`,
    TERM_FALLBACK,
    // -u: sshd passes no locale, and without it tmux draws every non-ASCII character as "_".
    // A server started by an older mtr may still keep tmux off the alternate screen: reset that.
    'tmux -L mtr set-option -su terminal-overrides 2>/dev/null',
    `exec tmux -u -L mtr attach-session -t =${name} \\; wait-for -S mtr-go-${name}`,
  ].join('\n');
}

/** The job's exit code on the first line (empty while it runs), then its last screen (see attach.ts). */
export function buildAttachEndScript(name: string): string {
  return [
    `cd ${jobDir(name)} 2>/dev/null || exit 0`,
    "if [ -f rc ]; then tr -d '\\n' <rc; fi; echo",
    `if [ -f screen ]; then cat screen; else { ${buildCaptureScreen(`=${name}:`)}; } 2>/dev/null; fi`,
    'exit 0',
  ].join('\n');
}

// The pane's main screen with its colours (`=NAME:`: pane commands need the session-qualified
// target). While a full-screen program is on the pane's alternate screen, tmux keeps the main
// one aside: `-a` reads that, so what vim or htop drew is never printed.
export function buildCaptureScreen(target: string): string {
  return (
    `if [ "$(${TMUX} display-message -p -t ${target} '#{alternate_on}')" = 1 ]; then a=-a; else a=; fi; ` +
    `${TMUX} capture-pane $a -e -p -J -t ${target}`
  );
}
