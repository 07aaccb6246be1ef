import { shellQuote } from './shell-quote.js';

// Shell snippets for what a job sees and records: its environment (TERM, no tmux variables) and
// the server's clock.

/** The terminal type used when the server has no terminfo entry for the user's TERM. */
export const FALLBACK_TERM = 'xterm-256color';

// Keeps $TERM if the server's terminfo knows it (infocmp, else tput), else FALLBACK_TERM. Without
// either tool there is nothing to ask: $TERM stays.
export const TERM_FALLBACK =
  'if command -v infocmp >/dev/null 2>&1; then infocmp "$TERM" >/dev/null 2>&1 || TERM=' + FALLBACK_TERM + '; ' +
  'elif command -v tput >/dev/null 2>&1; then tput -T "$TERM" longname >/dev/null 2>&1 || TERM=' + FALLBACK_TERM + '; fi';

// Prints the server's time as epoch seconds with at least milliseconds: GNU and BusyBox date have
// %N; elsewhere (BSD date prints a literal N) perl's Time::HiRes; whole seconds only as a last resort.
export const NOW_FUNCTION =
  "mtr_now() { t=$(date +%s.%N 2>/dev/null); case $t in ''|*[!0-9.]*|.*|*.) " +
  "t=$(perl -MTime::HiRes=time -e 'printf \"%.3f\\n\", time' 2>/dev/null); case $t in ''|*[!0-9.]*) t=$(date +%s);; esac;; esac; echo \"$t\"; }";

// What tmux puts in a pane's environment that a plain `ssh host cmd` would not: a batch job sees
// no TERM (as OpenSSH gives a command without a PTY) and no TMUX (its tmux commands must reach the
// user's own tmux server, not mtr's); an interactive one sees the user's TERM, as `ssh -t` gives.
export function jobEnvironment(spec: { interactive: boolean; term?: string }): string {
  const tmuxVars = 'unset TMUX TMUX_PANE TERM_PROGRAM TERM_PROGRAM_VERSION';
  if (!spec.interactive) return `${tmuxVars} TERM`;
  return `${tmuxVars}; TERM=${shellQuote(spec.term || FALLBACK_TERM)}; export TERM; ${TERM_FALLBACK}`;
}
