import { NOW_FUNCTION } from './job-env.js';
import { JOBS_DIR, TMUX, jobDir } from './job-paths.js';
import { CLIENT_WATCH, LOGS_READ_FAILED } from './job-stream-script.js';
import { WAKE_REGISTER, buildWakeLine, buildWakeSleep } from './job-wake.js';
import { remotePathExpr } from './remote-path.js';
import { shellQuote } from './shell-quote.js';

// The job commands' remote lines: stop and signal, list, logs, wait, whether a job exists.

// The launch answers "started" before the wrapper has written its pid: allow it 2 s.
const WAIT_FOR_PID = 'i=0; while [ ! -s pid ] && [ ! -f rc ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done';

/**
 * INT → TERM → KILL to the job's process group, with a grace period between; 137 if killed hard.
 * Says what happened as its one line of output (parseKillOutcome): `ended [RC]` (it had ended
 * already; no RC for a lost job), `HUP RC` (a session's shell), `INT RC` / `TERM RC` / `KILL RC` (the signal that ended it), `unstarted` (no process
 * was ever recorded; its session is closed) or `alive PGID` (it outlived SIGKILL).
 */
// Liveness is "a group member that is not a zombie": tmux reaps an ended pane late, and a command
// that ignores TERM can outlive the run.sh that the wrapper waits for. `kill -SIG -PGID` without
// `--`: dash's kill rejects it.
export function buildKillScript(name: string, graceSeconds: number): string {
  const dir = jobDir(name);
  const steps = Math.max(1, Math.round(graceSeconds * 10));
  const waitGone = `i=0; while [ $i -lt ${steps} ] && alive; do sleep 0.1; i=$((i+1)); done`;
  const ended = '{ echo "ended $(cat rc 2>/dev/null)"; exit 0; }';
  return [
    // Callers check the name first (--kill) or know it (watch restarts); a vanished job is done.
    `cd ${dir} 2>/dev/null || { echo ended; exit 0; }`,
    `[ -f rc ] && ${ended}`,
    'umask 077',
    WAIT_FOR_PID,
    `if ! p=$(cat pid 2>/dev/null); then [ -f rc ] && ${ended}; ${TMUX} kill-session -t =${name} 2>/dev/null; echo unstarted; exit 0; fi`,
    ALIVE_FUNCTION,
    NOW_FUNCTION,
    's=ended',
    // A session's shell has its own process group (job control) and ignores INT and TERM at its
    // prompt: a hangup ends it and the commands it runs; the wrapper then records 129.
    `if [ -f session.rc ] && alive && sp=$(cat shellpid 2>/dev/null); then s=HUP; kill -HUP "$sp" 2>/dev/null; ${waitGone}; fi`,
    `if alive; then s=INT; kill -INT -"$p" 2>/dev/null; ${waitGone}; fi`,
    `if alive; then s=TERM; kill -TERM -"$p" 2>/dev/null; ${waitGone}; fi`,
    'if alive; then s=KILL; kill -KILL -"$p" 2>/dev/null; i=0; while [ $i -lt 20 ] && alive; do sleep 0.1; i=$((i+1)); done; fi',
    'if alive; then echo "alive $p"; exit 0; fi',
    // Its processes were gone already: the wrapper may still be writing rc; a lost job has none.
    'if [ $s = ended ]; then i=0; while [ ! -f rc ] && [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done',
    `elif [ $s = KILL ] || [ ! -f rc ]; then mtr_now >ended; echo 137 >rc.tmp && mv rc.tmp rc; ${buildWakeLine(['.', 'c/*'])}; fi`,
    `${TMUX} kill-session -t =${name} 2>/dev/null`,
    'echo "$s $(cat rc 2>/dev/null)"',
  ].join('\n');
}

// True while process group $p has a member that is not a zombie (ps), else falls back to kill -0.
export const ALIVE_FUNCTION =
  'alive() { if command -v ps >/dev/null 2>&1; then ps -e -o pgid= -o stat= 2>/dev/null | ' +
  'awk -v g="$p" \'$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }\'; else kill -0 -"$p" 2>/dev/null; fi; }';

/** Sends one signal to the job's process group (Ctrl+C / SIGTERM of a batch client). */
// A job with an rc has ended: its group id may belong to someone else by now.
export function buildSignalScript(name: string, signal: 'INT' | 'TERM'): string {
  return `cd ${jobDir(name)} 2>/dev/null || exit 0\n${WAIT_FOR_PID}\n[ -f rc ] && exit 0\np=$(cat pid 2>/dev/null) && kill -${signal} -"$p" 2>/dev/null; exit 0`;
}

/**
 * The server's time (NOW_FUNCTION), then one record per job; records end with a 0x1e byte, fields
 * are NUL-separated: name, meta.json, state (rc value | "running" | "lost"), ended, started (both
 * may be empty), project, kind (batch, tty or session), slurm (`ID STATE NODES`, or empty). With `project` (a remote_dir), only that project's jobs and records
 * without a project (an older mtr's) are listed. Every record file is one line (meta.json is
 * JSON.stringify's). One awk reads them all (LIST_AWK), with the running sessions from one tmux
 * call; a server without awk gets the same bytes from the shell itself (a loop of builtins, ~3.5x
 * slower, and tmux asked once per job without an rc).
 */
export function buildListScript(project?: string): string {
  const filter = project === undefined ? '' : ' mtr_p="$p" mtr_pf=1';
  return [
    `cd ${JOBS_DIR} 2>/dev/null || exit 0`,
    NOW_FUNCTION,
    `printf '%s\\036' "$(mtr_now)"`,
    ...(project === undefined ? [] : [`p=${remotePathExpr(project)}`]),
    'if command -v awk >/dev/null 2>&1 && command -v tr >/dev/null 2>&1; then',
    `  mtr_live=$(${TMUX} ls -F '#{session_name}' 2>/dev/null)${filter} LC_ALL=C awk ${shellQuote(LIST_AWK)} */ | tr '\\001' '\\000'`,
    'else',
    ...listLoop(project).map((line) => `  ${line}`),
    'fi',
  ].join('\n');
}

// The lister's awk: every job folder named on its command line, in BEGIN (no input is read). A file
// that cannot be opened reads as empty, as `[ -f f ] && read` does; fields go out separated by
// 0x01, which tr turns into NUL (a NUL from awk's printf is not portable). Running sessions come
// from the list taken before; a job without an rc that is not on it (started since, or lost) is
// asked about once.
const LIST_AWK = [
  'function rd(f,   l) { ok = (getline l < f); close(f); if (ok <= 0) l = ""; return l }',
  'BEGIN {',
  '  n = split(ENVIRON["mtr_live"], L, "\\n"); for (i = 1; i <= n; i++) live[L[i]] = 1',
  '  p = ENVIRON["mtr_p"]; filt = ENVIRON["mtr_pf"] != ""',
  '  for (i = 1; i < ARGC; i++) {',
  '    d = ARGV[i]; sub(/\\/$/, "", d)',
  '    m = rd(d "/meta.json"); if (ok < 0) continue',
  '    jp = rd(d "/project"); if (filt && jp != "" && jp != p) continue',
  '    e = rd(d "/ended"); s = rd(d "/started"); st = rd(d "/rc")',
  `    if (ok < 0) st = (d in live || (d ~ /^[A-Za-z0-9_-]+$/ && system("${TMUX} has-session -t =" d " 2>/dev/null") == 0)) ? "running" : "lost"`,
  '    k = "batch"; rd(d "/tty"); if (ok >= 0) k = "tty"; rd(d "/session.rc"); if (ok >= 0) k = "session"',
  '    sl = rd(d "/slurm")',
  '    printf "%s\\001%s\\001%s\\001%s\\001%s\\001%s\\001%s\\001%s\\036", d, m, st, e, s, jp, k, sl',
  '  }',
  '  exit',
  '}',
].join('\n');

// The same records by the shell alone, for a server without awk.
function listLoop(project?: string): string[] {
  const read = (variable: string, file: string) => `${variable}=; [ -f "$n/${file}" ] && IFS= read -r ${variable} <"$n/${file}"`;
  return [
    'for d in */; do',
    '  n=${d%/}; [ -f "$n/meta.json" ] || continue',
    `  ${read('jp', 'project')}`,
    ...(project === undefined ? [] : ['  [ -z "$jp" ] || [ "$jp" = "$p" ] || continue']),
    `  ${read('m', 'meta.json')}; ${read('rc', 'rc')}; ${read('e', 'ended')}; ${read('s', 'started')}`,
    `  printf '%s\\0%s\\0' "$n" "$m"`,
    `  if [ -f "$n/rc" ]; then printf '%s' "$rc"; elif ${TMUX} has-session -t "=$n" 2>/dev/null; then printf running; else printf lost; fi`,
    // The job's kind: a persistent shell, a job on a terminal, or batch.
    `  if [ -f "$n/session.rc" ]; then k=session; elif [ -f "$n/tty" ]; then k=tty; else k=batch; fi`,
    // A Slurm job's `ID STATE NODES` (slurm-script.ts keeps it current).
    `  ${read('sl', 'slurm')}`,
    `  printf '\\0%s\\0%s\\0%s\\0%s\\0%s\\036' "$e" "$s" "$jp" "$k" "$sl"`,
    'done',
  ];
}

/** Prints the job's output so far: out → stdout, err → stderr; `tail` lines of each when given. */
// A missing out/err is a job that wrote nothing there; one that cannot be read is a failure.
export function buildLogsScript(name: string, tail?: number): string {
  const show = (file: string) => (tail === undefined ? `cat ${file}` : `tail -n ${tail} ${file}`);
  return [
    `cd ${jobDir(name)} 2>/dev/null || { echo "mtr: no job named ${name}" >&2; exit 2; }`,
    'st=0',
    `if [ -f out ]; then ${show('out')} || st=${LOGS_READ_FAILED}; fi`,
    `if [ -f err ]; then ${show('err')} >&2 || st=${LOGS_READ_FAILED}; fi`,
    'exit $st',
  ].join('\n');
}

/** Blocks until the job has an exit code (looking every 0.2 s, at once when woken: job-wake.ts), then exits with it. */
export function buildWaitScript(name: string): string {
  return [
    `cd ${jobDir(name)} 2>/dev/null || { echo "mtr: no job named ${name}" >&2; exit 2; }`,
    CLIENT_WATCH,
    WAKE_REGISTER,
    'd=0.2',
    'while [ ! -f rc ]; do',
    '  kill -0 "$PPID" 2>/dev/null || exit 0',
    `  if ! ${TMUX} has-session -t =${name} 2>/dev/null; then sleep 0.2; [ -f rc ] || { echo "mtr: job ${name} ended without recording an exit code" >&2; exit 255; }; fi`,
    `  ${buildWakeSleep()}`,
    'done',
    'read -r rc <rc; exit "$rc"',
  ].join('\n');
}

/** True (exit 0) when the job's record exists; prints `tty` for a job on a terminal, else its mode (batch, detached; nothing for old records). */
export function buildExistsScript(name: string): string {
  const meta = `${jobDir(name)}/meta.json`;
  return `test -f ${meta} || exit 1; [ ! -f ${jobDir(name)}/tty ] || { echo tty; exit 0; }; sed -n 's/.*"mode":"\\([a-z]*\\)".*/\\1/p' ${meta} 2>/dev/null | head -n 1; exit 0`;
}

/** Prints the first of `names` whose record exists (exit 0); exit 1 when none does. */
export function buildFindJobScript(names: readonly string[]): string {
  return `for n in ${names.map(shellQuote).join(' ')}; do [ -f ${JOBS_DIR}/"$n"/meta.json ] && { echo "$n"; exit 0; }; done; exit 1`;
}
