import { NOW_FUNCTION, TERM_FALLBACK, jobEnvironment } from './job-env.js';
import { buildPruneLine } from './job-history.js';
import { JOBS_DIR, TMUX, jobDir } from './job-paths.js';
import { remotePathExpr } from './remote-path.js';
import { buildSessionRc, buildSessionShell, sessionCommandDir } from './session-script.js';
import { shellQuote } from './shell-quote.js';

// Builders for every remote line of the tmux job layer. A job lives in ~/.mtr/jobs/NAME/:
//   meta.json  what ran, where, when        run.sh  umask + cd + exports + pre_cmd + command
//   wrap.sh    runs run.sh, records rc       pid     wrapper pid = the job's process group
//   out, err   batch output (interactive: the pane's output, merged, in out)
//   rc         exit status, written via rc.tmp + mv only after all output is on disk
//   screen     interactive: the pane's last screen (with colours), for the client to print at the end
//   started, ended  server clock, epoch seconds with a fraction (see NOW_FUNCTION)
//   project    the project's remote_dir, absolute: history is kept and listed per project
// The job's name is validated to [A-Za-z0-9_-], so it is safe in paths and tmux targets as is.
// Records hold output and command lines (tokens too) on servers shared with other users: ~/.mtr,
// ~/.mtr/jobs and each job folder are 0700 and every record 0600, created so under umask 077; only
// the user's command gets the login's own umask back (run.sh's first line).

export interface WrapperSpec {
  /** Batch: output to out/err files. Interactive: the pane is the terminal. */
  interactive: boolean;
  /**
   * Interactive only: hold the command until a client attaches (an attached run). A detached
   * terminal job (`-d --tty`) or a session starts at once: nobody is coming to look.
   */
  gate?: boolean;
  /** The pane runs a persistent shell (session.rc, see session-script.ts) instead of run.sh. */
  session?: boolean;
  /** Batch only: read stdin from the `in` FIFO (mtr's stdin is piped data). */
  stdinFifo: boolean;
  /** Interactive only: the user's TERM (the server's terminfo decides, see TERM_FALLBACK). */
  term?: string;
}

// `trap : INT TERM` keeps the wrapper alive through Ctrl+C / SIGTERM so the job's 130 / 143 is
// recorded; a handler (not '') so the command itself still gets the signal's default action.
export function buildWrapper(spec: WrapperSpec): string {
  const shell = 'if command -v bash >/dev/null 2>&1; then MTR_SH=bash; else MTR_SH=sh; fi';
  const io = spec.interactive
    ? ''
    : spec.stdinFifo
      ? ' <in >out 2>err'
      : ' </dev/null >out 2>err';
  // Interactive: hold the command until the client has attached (or 30 s passed), so a quick
  // program's output is not drawn before anyone looks. A detached terminal job (no gate) is held
  // until the launch has set up its pane's log: a quick command's session could end before that.
  const gate = spec.interactive && (spec.gate !== false || !spec.session)
    ? `(sleep 30; ${TMUX} wait-for -S "mtr-go-$(basename "$PWD")") >/dev/null 2>&1 & gw=$!; ${TMUX} wait-for "mtr-go-$(basename "$PWD")"; kill $gw 2>/dev/null`
    : ':';
  return [
    // The tmux server may have been started with any umask (an older mtr): the records stay private.
    'umask 077',
    'trap : INT TERM',
    'echo $$ >pid',
    NOW_FUNCTION,
    'mtr_now >started',
    gate,
    jobEnvironment(spec),
    shell,
    // eval under `-c`, not `bash ./run.sh`: the shell then names itself in errors as it does for
    // plain ssh (`bash: pyhton3: command not found`), never mtr's script and its line numbers.
    spec.session ? buildSessionShell('./session.rc') : `"$MTR_SH" -c 'eval "$(cat ./run.sh)"' "$MTR_SH"${io}`,
    'rc=$?',
    'mtr_now >ended',
    'echo "$rc" >rc.tmp && mv rc.tmp rc',
    `${TMUX} wait-for -S "mtr-$(basename "$PWD")" 2>/dev/null`,
    // The last screen, for the client to print on the main screen once tmux has left it (the pane dies next).
    spec.interactive ? `{ ${buildCaptureScreen('"=$(basename "$PWD"):"')}; } >screen 2>/dev/null` : ':',
    // Replace attached clients by a no-op so tmux prints no "[exited]" line on the user's screen.
    spec.interactive ? `${TMUX} detach-client -s "=$(basename "$PWD")" -E true 2>/dev/null` : ':',
    'exit "$rc"',
  ].join('\n');
}

export interface StartSpec {
  name: string;
  /** The project's remote_dir (as configured): the job's history belongs to it. */
  project: string;
  /** The remote script (cd, exports, pre_cmd, command) from buildRemoteScript. */
  script: string;
  metaJson: string;
  wrapper: WrapperSpec;
  cols?: number;
  rows?: number;
}

/** The line a gated launch (LaunchOptions.gate) waits for on stdin. */
export const LAUNCH_GO = 'go';

// `read` takes stdin a byte at a time from a pipe: what follows the line (piped data) stays.
const GATE_LINE = `IFS= read -r mtr_go || exit 0; [ "$mtr_go" = ${LAUNCH_GO} ] || exit 0`;

/** First byte the launch script prints on stdout, before any job output. */
export const LAUNCH_STATUS = { started: 'S', nameTaken: 'T', noTmux: 'N', failed: 'E' } as const;

function writeFile(file: string, content: string): string {
  return `printf '%s\\n' ${shellQuote(content)} >${file}`;
}

// Run before anything is written: the login's umask is kept for the user's command, then umask 077.
const PRIVATE_UMASK = 'mtr_um=$(umask); umask 077';

// Once the job folder exists (mkdir -p made any missing ~/.mtr and ~/.mtr/jobs 0700 too): folders an
// older mtr left open to group or others are tightened, with all they hold. One `find`, which
// changes nothing once they are private.
const TIGHTEN_RECORDS = `find "$HOME"/.mtr/ ${JOBS_DIR}/ -maxdepth 0 \\( -perm -001 -o -perm -004 -o -perm -010 -o -perm -040 \\) -exec chmod -R go= {} + 2>/dev/null`;

// run.sh starts by restoring the umask the login had ($mtr_um from PRIVATE_UMASK).
function writeRunScript(script: string): string {
  return `{ printf 'umask %s\\n' "$mtr_um" && printf '%s\\n' ${shellQuote(script)}; } >run.sh`;
}

// A session's shell reads its setup (cd, exports, pre_cmd: the script without a command) from
// session.rc; the commands sourced later get the login's umask back, as run.sh's do.
function writeSessionRc(spec: StartSpec): string {
  return `{ printf 'umask %s\\n' "$mtr_um" && printf '%s\\n' ${shellQuote(buildSessionRc(spec.script, spec.name))}; } >session.rc`;
}

// Every file of the record, or none: a write that fails (a full disk, a file in the way) stops the
// start with the reason, instead of running a job with half a script.
function writeRecords(spec: StartSpec): string {
  const writes = [
    ': >out',
    ': >err',
    `printf '%s\\n' ${remotePathExpr(spec.project)} >project`,
    writeFile('meta.json', spec.metaJson),
    spec.wrapper.session ? writeSessionRc(spec) : writeRunScript(spec.script),
    // The mark of a job with a terminal: --send, --keys and --screen read it (job-input.ts).
    ...(spec.wrapper.interactive || spec.wrapper.session ? [': >tty'] : []),
    writeFile('wrap.sh', buildWrapper(spec.wrapper)),
    writeFile('../tmux.conf', TMUX_CONF),
  ];
  const fail = `{ echo "mtr: could not write the job's record in ~/.mtr/jobs/${spec.name}" >&2; cd .. && rm -rf ./${spec.name}; printf ${LAUNCH_STATUS.failed}; exit 1; }`;
  return `{ ${writes.join(' &&\n')}; } || ${fail}`;
}

export interface LaunchOptions {
  /** Batch run: stream the job's output after starting it, in the same exec. */
  stream?: { feedStdin: boolean };
  /**
   * Sent ahead (while the sync runs): do nothing until the client says LAUNCH_GO on a line of its
   * own on stdin; anything else, or EOF (the sync failed, the client is gone), ends it untouched.
   */
  gate?: boolean;
  /** Without tmux: shell code that runs the command directly instead (buildDirectCommand); omit to just report 'N'. */
  fallback?: string;
}

// Creates the job directory and starts the tmux session, printing one status byte first (see
// LAUNCH_STATUS), then optionally streams the job in the same exec: one round trip per run.
export function buildLaunchScript(spec: StartSpec, options: LaunchOptions = {}): string {
  const dir = jobDir(spec.name);
  const size = spec.cols && spec.rows ? ` -x ${spec.cols} -y ${spec.rows}` : '';
  const S = LAUNCH_STATUS;
  const noTmux = options.fallback ? `{ printf ${S.noTmux}; ${options.fallback}\nexit $?; }` : `{ printf ${S.noTmux}; exit 0; }`;
  const lines = [
    ...(options.gate ? [GATE_LINE] : []),
    `command -v tmux >/dev/null 2>&1 || ${noTmux}`,
    `${TMUX} has-session -t =${spec.name} 2>/dev/null && { printf ${S.nameTaken}; exit 0; }`,
    PRIVATE_UMASK,
    `rm -rf ${dir} && mkdir -p ${dir} && cd ${dir} || { printf ${S.failed}; exit 1; }`,
    TIGHTEN_RECORDS,
    spec.wrapper.stdinFifo ? `mkfifo in || { printf ${S.failed}; exit 1; }` : ':',
    writeRecords(spec),
    // A new-session that reaches a tmux server on its way out (its last job just ended) fails with
    // "server exited unexpectedly"; once more, quietly first, starts a new server.
    `mtr_session() { ${TMUX} -f ../tmux.conf new-session -d -s ${spec.name} -c "$PWD"${size} 'exec /bin/sh ./wrap.sh'; }`,
    `mtr_session 2>/dev/null || mtr_session || { echo "mtr: tmux could not start the job's session" >&2; printf ${S.failed}; exit 1; }`,
    spec.wrapper.interactive && !spec.wrapper.session ? logPane(spec.name, spec.wrapper.gate === false) : ':',
    buildPruneLine(),
    `printf ${S.started}`,
  ];
  if (!options.stream) return [...lines, 'exit 0'].join('\n');
  return [...lines, buildStreamScript(spec.name, { feedStdin: options.stream.feedStdin, exitWithJob: true })].join('\n');
}

// An interactive job's pane output goes to `out` too, so --logs, --wait --for and a batch --attach
// see it. The pane is addressed `=NAME:` (a bare `=NAME` is no pane target in tmux 3.3a), and the
// pipe's shell runs in the tmux server's folder, so the file is named from $HOME. A failure stops
// the start: the session is ended and the half-made record removed.
// `release`: then open the job's start gate (a detached job has no client to open it).
function logPane(name: string, release: boolean): string {
  const fail = `{ echo "mtr: tmux could not log the job's output (pipe-pane failed)" >&2; ${TMUX} kill-session -t =${name} 2>/dev/null; cd .. && rm -rf ./${name}; printf ${LAUNCH_STATUS.failed}; exit 1; }`;
  const pipe = `${TMUX} pipe-pane -t =${name}: 'exec cat >>"$HOME"/.mtr/jobs/${name}/out' || ${fail}`;
  return release ? `${pipe}\n${TMUX} wait-for -S mtr-go-${name}` : pipe;
}

// Sizes of out and err in one process (GNU/BusyBox stat); else (BSD stat, or a file missing, where
// stat prints one size and fails) wc per file, a missing file counting 0.
const READ_SIZES =
  'if s=$(stat -c %s out err 2>/dev/null); then set -- $s; else set -- $({ wc -c <out; } 2>/dev/null || echo 0) $({ wc -c <err; } 2>/dev/null || echo 0); fi; n=${1:-0}; m=${2:-0}';

/** Exit status of the logs scripts when the server could not read a job's out or err file. */
export const LOGS_READ_FAILED = 3;

// Streams new bytes of out → stdout and err → stderr until rc exists, then exits with it.
// rc is checked before the final read, and written only after the job's output is complete, so
// nothing is lost; polling backs off from 2 ms to 0.5 s while the job is quiet. Each round costs
// one process (stat) plus the sleep; whether the tmux session still exists (a job that died without
// writing rc) is only asked once polling has slowed to its slowest.
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
    'd=0.002',
    'while :; do',
    // The client is gone when sshd's session process (our parent) is: stop polling, the job goes on.
    '  kill -0 "$PPID" 2>/dev/null || exit 0',
    `  fin=0; ${hasRc} && fin=1`,
    `  ${READ_SIZES}; moved=0`,
    `  if [ "$n" -gt "$o" ]; then ${read('out', '-c +$((o+1))')} | head -c $((n-o)); o=$n; moved=1; fi`,
    `  if [ "$m" -gt "$e" ]; then ${read('err', '-c +$((e+1))')} | head -c $((m-e)) >&2; e=$m; moved=1; fi`,
    ...(onFail ? ['  [ $mtr_bad = 0 ] || break'] : []),
    '  [ $fin = 1 ] && break',
    // Short jobs end within milliseconds: start polling fast, back off to 0.5 s while quiet.
    `  if [ $moved = 1 ]; then d=0.002; else case $d in 0.002) d=0.005;; 0.005) d=0.01;; 0.01) d=0.02;; 0.02) d=0.05;; 0.05) d=0.1;; 0.1) d=0.2;; *) d=0.5;; esac; fi`,
    `  if [ $d = 0.5 ] && ! ${hasRc} && ! ${TMUX} has-session -t =${name} 2>/dev/null && ! ${hasRc}; then sleep 0.2; ${hasRc} || { echo "mtr: job ${name} ended without recording an exit code" >&2; exit 255; }; fi`,
    '  sleep $d',
    'done',
    opts.exitWithJob ? `${opts.sessionCommand === undefined ? 'read -r rc <rc' : 'if [ -f rc ]; then read -r rc <rc; else [ -f ../../ready ] || cat ../../err >&2; read -r rc <../../rc; fi'}; exit "$rc"` : `[ $mtr_bad = 0 ] || exit ${LOGS_READ_FAILED}; exit 0`,
  ].join('\n');
}

// The client holds this script's stdin open while it waits (BatchOptions.holdStdin); EOF means the
// client is gone (killed, link dropped, even over a shared connection): stop polling, the job goes on.
export const CLIENT_WATCH = 'exec 3<&0; (cat <&3 >/dev/null 2>&1; kill -TERM $$ 2>/dev/null) & mtr_w=$!; trap \'kill $mtr_w 2>/dev/null\' EXIT';

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
    'elif [ $s = KILL ] || [ ! -f rc ]; then mtr_now >ended; echo 137 >rc.tmp && mv rc.tmp rc; fi',
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
 * JSON.stringify's), read by the shell itself: no process per job but tmux's for running ones.
 */
export function buildListScript(project?: string): string {
  const read = (variable: string, file: string) => `${variable}=; [ -f "$n/${file}" ] && IFS= read -r ${variable} <"$n/${file}"`;
  return [
    `cd ${JOBS_DIR} 2>/dev/null || exit 0`,
    NOW_FUNCTION,
    `printf '%s\\036' "$(mtr_now)"`,
    ...(project === undefined ? [] : [`p=${remotePathExpr(project)}`]),
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
  ].join('\n');
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

/** Blocks until the job has an exit code, then exits with it. */
export function buildWaitScript(name: string): string {
  return [
    `cd ${jobDir(name)} 2>/dev/null || { echo "mtr: no job named ${name}" >&2; exit 2; }`,
    CLIENT_WATCH,
    'while [ ! -f rc ]; do',
    '  kill -0 "$PPID" 2>/dev/null || exit 0',
    `  if ! ${TMUX} has-session -t =${name} 2>/dev/null; then sleep 0.2; [ -f rc ] || { echo "mtr: job ${name} ended without recording an exit code" >&2; exit 255; }; fi`,
    '  sleep 0.2',
    'done',
    'exit "$(cat rc)"',
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

// Server-wide settings that keep tmux invisible: no status bar, no prefix key (Ctrl+B reaches the
// program; mtr detaches client-side), no Esc delay, big history. The attach draws on the local
// terminal's alternate screen, so tmux's clears never wipe the user's screen; mtr prints the job's
// last screen there when it ends (buildAttachEndScript).
export const TMUX_CONF = [
  'set -g status off',
  'set -g prefix None',
  'set -g prefix2 None',
  'set -s escape-time 0',
  'set -g history-limit 50000',
  'set -g default-terminal screen-256color',
  'set -g remain-on-exit off',
  'set -g set-titles off',
].join('\n');
