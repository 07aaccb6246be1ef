import { LAUNCH_STATUS, buildLaunchScript, type StartSpec } from './job-script.js';
import { buildStreamScript } from './job-stream-script.js';
import { TMUX, jobDir } from './job-paths.js';
import { buildSessionSubmit } from './session-script.js';

/** Exit status of a session command when the server has no tmux (a session needs it). */
export const SESSION_NO_TMUX = 2;
/** Records of a session's commands (their out, err, rc) kept while it runs. */
export const SESSION_COMMANDS_KEPT = 50;
/** Exit status when NAME is a running job that is not a session (a usage error). */
export const SESSION_NOT_A_SESSION = 2;

// `mtr --session NAME CMD…` in one exec: start the session's shell when its tmux session is not
// running, hand it the command, then stream that command's folder until its rc (its exit code).
// A second command while one runs is typed into the pane too: the shell reads it once the first ends.
export function buildSessionRunScript(session: StartSpec, id: string, commandLine: string, stdinFifo: boolean): string {
  const S = LAUNCH_STATUS;
  const dir = jobDir(session.name);
  return [
    `command -v tmux >/dev/null 2>&1 || { echo "mtr: tmux is not installed on the server; --session needs it" >&2; exit ${SESSION_NO_TMUX}; }`,
    // A shell that has just ended (its rc written) may still hold its tmux session for a moment:
    // wait for that to go (5 s at most), so the command starts a fresh shell instead of a dying one.
    `[ ! -f ${dir}/rc ] || { i=0; while [ $i -lt 50 ] && ${TMUX} has-session -t =${session.name} 2>/dev/null; do sleep 0.1; i=$((i+1)); done; }`,
    // The launch prints one status byte; "taken" is another mtr that started it a moment before.
    `if ! ${TMUX} has-session -t =${session.name} 2>/dev/null; then`,
    `  st=$( ${buildLaunchScript(session)}\n)`,
    `  case $st in ${S.started}|${S.nameTaken}) ;; *) exit 1;; esac`,
    // A running job of that name that is no session (no session.rc) has no shell to type into.
    `elif [ ! -f ${dir}/session.rc ]; then echo "mtr: job ${session.name} is running and is not a session; pick another --session name, or stop it with: mtr --kill ${session.name}" >&2; exit ${SESSION_NOT_A_SESSION};`,
    'fi',
    buildSessionPruneLine(session.name),
    // A shell whose setup failed (pre_cmd: 125) may be gone before the command is typed: its code and message.
    `( ${buildSessionSubmit(session.name, id, commandLine, stdinFifo)}\n) || { cd ${dir} && [ -f rc ] && [ ! -f ready ] && { cat err >&2; read -r rc <rc; exit "$rc"; }; echo "mtr: could not hand the command to session ${session.name}" >&2; exit 1; }`,
    buildStreamScript(session.name, { sessionCommand: id, feedStdin: stdinFifo, exitWithJob: true }),
  ].join('\n');
}

// Each command leaves a folder: the newest SESSION_COMMANDS_KEPT are kept, older finished ones go
// (ids are hex: safe as words).
export function buildSessionPruneLine(name: string): string {
  return `( cd ${jobDir(name)}/c 2>/dev/null && for d in $(ls -t | tail -n +${SESSION_COMMANDS_KEPT + 1}); do [ ! -f "$d/rc" ] || rm -rf "./$d"; done ) 2>/dev/null`;
}
