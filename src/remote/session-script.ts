import { TMUX, jobDir } from './job-paths.js';
import { shellQuote } from './shell-quote.js';
import { WAKE_DIR, buildWakeLine } from './job-wake.js';

// A persistent shell (`mtr --session NAME CMD…`): a tmux job whose pane runs an interactive shell,
// so `cd`, exports, functions and an activated venv carry over from one command to the next.
// Each command gets a folder ~/.mtr/jobs/NAME/c/ID/ holding cmd.sh (the command line), in (a FIFO
// when mtr's stdin is data), out, err and rc; mtr types ` mtr_run ID` into the pane and streams
// that folder like a batch job. The command runs in the shell itself (sourced), with its stdout,
// stderr and stdin redirected to the folder: byte-exact and separate, while the pane shows only the
// typed line. Interactive bash runs each program as the terminal's foreground job, so Ctrl+C (a
// C-c typed into the pane) stops the program, not the shell; its code is written by the prompt
// hook, which runs after every command line, finished or interrupted. `exit N` ends the shell, and
// the session's own rc (written by the wrapper) becomes that command's code.
// Without bash, sh -i runs the same functions; there an interrupted line goes on to its end.

/** The shell's setup file (bash --rcfile / sh's ENV): cd + exports + pre_cmd, then mtr's hooks. */
export function buildSessionRc(setup: string, name: string): string {
  const commands = `"$HOME"/.mtr/jobs/${name}/c`;
  return [
    // The session's own files stay private; each command runs with the login's umask (run.sh's).
    'HISTFILE=; PS1=\'$ \'; PS2=\'> \'',
    'echo $$ >"$HOME"/.mtr/jobs/' + name + '/shellpid',
    // A failing pre_cmd ends the session (setup exits 125 with its message): nothing runs without it.
    // The setup's stderr goes to the session's err, which the first command prints if the shell
    // ended before `ready` (the pane itself is not logged).
    `{ ${setup}\n} 2>>"$HOME"/.mtr/jobs/${name}/err`,
    `: >"$HOME"/.mtr/jobs/${name}/ready`,
    'mtr_cur=',
    `mtr_run() { mtr_cur=$1; mtr_d=${commands}/$1; if [ -p "$mtr_d/in" ]; then mtr_i="$mtr_d/in"; else mtr_i=/dev/null; fi; { . "$mtr_d/cmd.sh"; } >"$mtr_d/out" 2>"$mtr_d/err" <"$mtr_i"; mtr_done_sh $?; }`,
    // bash: the prompt hook records the code even when Ctrl+C cut the line short; sh has no hook,
    // so mtr_run records it itself (and the hook, when there is one, finds nothing left to do).
    `mtr_done_sh() { if [ -n "$mtr_cur" ]; then echo "$1" >${commands}/"$mtr_cur"/rc.tmp && mv ${commands}/"$mtr_cur"/rc.tmp ${commands}/"$mtr_cur"/rc; ${buildWakeLine([`${commands}/"$mtr_cur"`])}; mtr_cur=; fi; return "$1"; }`,
    'if [ -n "$BASH_VERSION" ]; then PROMPT_COMMAND=\'mtr_done_sh $?\'; else trap : INT; fi',
  ].join('\n');
}

/** The pane's program: bash (else sh) reading the setup file at `rc` (a shell word). */
export function buildSessionShell(rc: string): string {
  return `if command -v bash >/dev/null 2>&1; then bash --noprofile --rcfile ${rc} -i; else ENV=${rc} sh -i; fi`;
}

/** Where one command of a session lives. */
export function sessionCommandDir(name: string, id: string): string {
  return `${jobDir(name)}/c/${id}`;
}

/**
 * Hands one command to the running session: its folder, its command line, the stdin FIFO when
 * needed, then ` mtr_run ID` typed into the pane (a leading space: no history). Prints nothing;
 * the caller streams the folder next.
 */
export function buildSessionSubmit(name: string, id: string, commandLine: string, stdinFifo: boolean): string {
  const dir = sessionCommandDir(name, id);
  return [
    `umask 077; mkdir -p ${dir}/${WAKE_DIR} && cd ${dir} || exit 1`,
    `printf '%s\\n' ${shellQuote(commandLine)} >cmd.sh || exit 1`,
    stdinFifo ? 'mkfifo in || exit 1' : ':',
    ': >out; : >err',
    `${TMUX} send-keys -t =${name}: -l -- ' mtr_run ${id}' && ${TMUX} send-keys -t =${name}: Enter || exit 1`,
  ].join('\n');
}

/**
 * Stops the command a session is running, not the shell: INT is a C-c typed into the pane (the
 * terminal signals its foreground job); TERM and KILL go to the terminal's foreground process
 * group when that is not the shell itself.
 */
export function buildSessionSignalScript(name: string, signal: 'INT' | 'TERM' | 'KILL'): string {
  if (signal === 'INT') return `${TMUX} send-keys -t =${name}: C-c 2>/dev/null; exit 0`;
  return [
    `cd ${jobDir(name)} 2>/dev/null || exit 0`,
    's=$(cat shellpid 2>/dev/null) || exit 0',
    'g=$(ps -o tpgid= -p "$s" 2>/dev/null | tr -d " "); own=$(ps -o pgid= -p "$s" 2>/dev/null | tr -d " ")',
    `[ -n "$g" ] && [ "$g" != "$own" ] && [ "$g" -gt 1 ] && kill -${signal} -"$g" 2>/dev/null`,
    'exit 0',
  ].join('\n');
}
