import { jobDir, TMUX } from './job-paths.js';
import { sessionCommandDir } from './session-script.js';
import { WAKE_REGISTER, buildWakeSleep } from './job-wake.js';

// Streaming a job's output to a client: from the start or a tail, until it ends (batch runs,
// --logs --follow, --attach of a batch job, a session's command).

// Sizes of out and err in one process (GNU/BusyBox stat); else (BSD stat, or a file missing, where
// stat prints one size and fails) wc per file, a missing file counting 0.
const READ_SIZES =
  'if s=$(stat -c %s out err 2>/dev/null); then set -- $s; else set -- $({ wc -c <out; } 2>/dev/null || echo 0) $({ wc -c <err; } 2>/dev/null || echo 0); fi; n=${1:-0}; m=${2:-0}';
// The same without a command substitution, for a streamer that takes the wake's signal (job-wake.ts):
// through its wake file.
const READ_SIZES_VIA_FILE =
  'if stat -c %s out err >"$mtr_wf" 2>/dev/null; then { read -r n; read -r m; } <"$mtr_wf"; else { wc -c <out || echo 0; } >"$mtr_wf" 2>/dev/null; read -r n <"$mtr_wf"; { wc -c <err || echo 0; } >"$mtr_wf" 2>/dev/null; read -r m <"$mtr_wf"; fi; n=${n:-0}; m=${m:-0}';

/** Exit status of the logs scripts when the server could not read a job's out or err file. */
export const LOGS_READ_FAILED = 3;

// Streams new bytes of out → stdout and err → stderr until rc exists, then exits with it.
// rc is checked before the final read, and written only after the job's output is complete, so
// nothing is lost; polling backs off from 2 ms to 0.5 s while the job is quiet, and whoever writes
// rc cuts the pause short (job-wake.ts): the end is seen at once, not up to a pause late. Each
// round costs one process (stat) plus the sleep; whether the tmux session still exists (a job that
// died without writing rc) is only asked once polling has slowed to its slowest.
export function buildStreamScript(name: string, opts: { tailLines?: number; feedStdin?: boolean; exitWithJob: boolean; sessionCommand?: string }): string {
  // A session's command (session-script.ts) streams its own folder; the session's rc two levels up
  // means the shell itself ended (`exit N`) while running it: that is the command's code.
  const dir = opts.sessionCommand === undefined ? jobDir(name) : sessionCommandDir(name, opts.sessionCommand);
  const hasRc = opts.sessionCommand === undefined ? '[ -f rc ]' : '{ [ -f rc ] || [ -f ../../rc ]; }';
  // Without the job's code to exit with, a failed read (a pipeline hides it) is flagged by a signal
  // from the reading subshell and ends the script with LOGS_READ_FAILED instead of 0. 141 is tail
  // stopped by SIGPIPE once head has its bytes (the file grew meanwhile): not a failure.
  const onFail = opts.exitWithJob ? '' : ' || [ $? = 141 ] || kill -USR1 $$';
  const read = (file: string, args: string) => (onFail ? `{ tail ${args} ${file}${onFail}; }` : `tail ${args} ${file}`);
  const start = (file: string) =>
    opts.tailLines === undefined
      ? '0'
      : `$(( $({ wc -c <${file} || echo 0; } 2>/dev/null | head -n 1) - $({ [ ! -f ${file} ] || ${read(file, `-n ${opts.tailLines}`)}; } | wc -c) ))`;
  return [
    `cd ${dir} 2>/dev/null || { echo "mtr: no job named ${name}" >&2; exit 2; }`,
    ...(onFail ? ["mtr_bad=0; trap 'mtr_bad=1' USR1"] : []),
    opts.feedStdin ? 'exec 3<&0; (cat <&3 >in) & exec 0</dev/null' : CLIENT_WATCH,
    `o=${start('out')}; e=${start('err')}`,
    // No command substitution from here on once registered (job-wake.ts).
    WAKE_REGISTER,
    'd=0.002',
    'while :; do',
    // The client is gone when sshd's session process (our parent) is: stop polling, the job goes on.
    '  kill -0 "$PPID" 2>/dev/null || exit 0',
    `  fin=0; ${hasRc} && fin=1`,
    `  if [ -n "$mtr_wf" ]; then ${READ_SIZES_VIA_FILE}; else ${READ_SIZES}; fi; moved=0`,
    `  if [ "$n" -gt "$o" ]; then ${read('out', '-c +$((o+1))')} | head -c $((n-o)); o=$n; moved=1; fi`,
    `  if [ "$m" -gt "$e" ]; then ${read('err', '-c +$((e+1))')} | head -c $((m-e)) >&2; e=$m; moved=1; fi`,
    ...(onFail ? ['  [ $mtr_bad = 0 ] || break'] : []),
    '  [ $fin = 1 ] && break',
    // Short jobs end within milliseconds: start polling fast, back off to 0.5 s while quiet.
    `  if [ $moved = 1 ]; then d=0.002; else case $d in 0.002) d=0.003;; 0.003) d=0.005;; 0.005) d=0.01;; 0.01) d=0.02;; 0.02) d=0.05;; 0.05) d=0.1;; 0.1) d=0.2;; *) d=0.5;; esac; fi`,
    `  if [ $d = 0.5 ] && ! ${hasRc} && ! ${TMUX} has-session -t =${name} 2>/dev/null && ! ${hasRc}; then sleep 0.2; ${hasRc} || { echo "mtr: job ${name} ended without recording an exit code" >&2; exit 255; }; fi`,
    `  ${buildWakeSleep(hasRc)}`,
    'done',
    opts.exitWithJob ? `${opts.sessionCommand === undefined ? 'read -r rc <rc' : 'if [ -f rc ]; then read -r rc <rc; else [ -f ../../ready ] || cat ../../err >&2; read -r rc <../../rc; fi'}; exit "$rc"` : `[ $mtr_bad = 0 ] || exit ${LOGS_READ_FAILED}; exit 0`,
  ].join('\n');
}

// The client holds this script's stdin open while it waits (BatchOptions.holdStdin); EOF means the
// client is gone (killed, link dropped, even over a shared connection): stop polling, the job goes on.
export const CLIENT_WATCH = 'exec 3<&0; (cat <&3 >/dev/null 2>&1; kill -TERM $$ 2>/dev/null) & mtr_w=$!; trap \'kill $mtr_w 2>/dev/null\' EXIT';
