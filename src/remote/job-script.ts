import { NOW_FUNCTION, TERM_FALLBACK, jobEnvironment } from './job-env.js';
import { buildPruneLine } from './job-history.js';
import { JOBS_DIR, TMUX, jobDir } from './job-paths.js';
import { remotePathExpr } from './remote-path.js';
import { buildSessionRc, buildSessionShell } from './session-script.js';
import { shellQuote } from './shell-quote.js';
import { buildCaptureScreen } from './job-attach-script.js';
import { buildStreamScript } from './job-stream-script.js';
import { WAKE_DIR, buildWakeLine } from './job-wake.js';

// Builders for every remote line of the tmux job layer. A job lives in ~/.mtr/jobs/NAME/:
//   meta.json  what ran, where, when        run.sh  umask + cd + exports + pre_cmd + command
//   wrap.sh    runs run.sh, records rc       pid     wrapper pid = the job's process group
//   out, err   batch output (interactive: the pane's output, merged, in out)
//   rc         exit status, written via rc.tmp + mv only after all output is on disk
//   screen     interactive: the pane's last screen (with colours), for the client to print at the end
//   started, ended  server clock, epoch seconds with a fraction (see NOW_FUNCTION)
//   wake/      one empty file per client streaming the job, named by its PID (job-wake.ts)
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
    // bash reads the script itself (`$(<file)`, no cat process); sh needs cat.
    spec.session ? buildSessionShell('./session.rc') : `if [ "$MTR_SH" = bash ]; then bash -c 'eval "$(<./run.sh)"' bash${io}; else sh -c 'eval "$(cat ./run.sh)"' sh${io}; fi`,
    'rc=$?',
    'mtr_now >ended',
    'echo "$rc" >rc.tmp && mv rc.tmp rc',
    // The streamers look now, not at their next poll; a session's command streamers too (the shell ended).
    buildWakeLine(spec.session ? ['.', 'c/*'] : ['.']),
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

// Once the job has started (mkdir -p made any missing ~/.mtr and ~/.mtr/jobs 0700 too): folders an
// older mtr left open to group or others are tightened, with all they hold, before the launch
// streams or returns. One `find`, which changes nothing once they are private.
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
    PRIVATE_UMASK,
    // A job folder this start makes itself (mkdir without -p fails on one that exists) is a new
    // name: no record, so no job of mtr's by it (new-session still refuses a duplicate). Else (a
    // finished job's record, a running job, no ~/.mtr/jobs yet) the careful way: ask tmux whether
    // the name is running, then a fresh folder. Most starts spawn one mkdir instead of three processes.
    // The same mkdir makes the folder's wake/ (job-wake.ts).
    // A job that has its rc but whose session is still on its way out (a name reused right after
    // its run returned) is waited for, up to a second, instead of being called taken.
    `mtr_gone() { i=0; while [ $i -lt 50 ]; do ${TMUX} has-session -t =${spec.name} 2>/dev/null || return 0; sleep 0.02; i=$((i + 1)); done; return 1; }`,
    `mkdir ${dir} ${dir}/${WAKE_DIR} 2>/dev/null || { ${TMUX} has-session -t =${spec.name} 2>/dev/null && ! { [ -f ${dir}/rc ] && mtr_gone; } && { printf ${S.nameTaken}; exit 0; }; rm -rf ${dir} && mkdir -p ${dir}/${WAKE_DIR}; } || { printf ${S.failed}; exit 1; }`,
    `cd ${dir} || { printf ${S.failed}; exit 1; }`,
    spec.wrapper.stdinFifo ? `mkfifo in || { printf ${S.failed}; exit 1; }` : ':',
    writeRecords(spec),
    // A new-session that reaches a tmux server on its way out (its last job just ended) fails with
    // "server exited unexpectedly"; once more, quietly first, starts a new server. The settings are
    // sourced first every time: a server something else started (an attach to a job just gone
    // starts one without mtr's file) would otherwise show a status line and take a row of the pane.
    `mtr_session() { ${TMUX} -f ../tmux.conf source-file "$PWD"/../tmux.conf \\; new-session -d -s ${spec.name} -c "$PWD"${size} 'exec /bin/sh ./wrap.sh'; }`,
    // A start that fails leaves no record behind. A session of that name that runs without a record
    // (its folder removed by hand) is a name taken, as the careful path above would have said; any
    // other failure shows tmux's reason.
    startSession(spec.name),
    spec.wrapper.interactive && !spec.wrapper.session ? logPane(spec.name, spec.wrapper.gate === false) : ':',
    buildPruneLine(),
    `printf ${S.started}`,
    // While the job already runs: the records it wrote are private from birth (umask 077).
    TIGHTEN_RECORDS,
  ];
  if (!options.stream) return [...lines, 'exit 0'].join('\n');
  return [...lines, buildStreamScript(spec.name, { feedStdin: options.stream.feedStdin, exitWithJob: true })].join('\n');
}

// new-session, once more quietly after a first failure (see above); its second failure's reason is
// kept aside (a private file beside the job folders) until it is known to be one worth showing.
function startSession(name: string): string {
  const err = '../.start-err-$$';
  const leave = `cd .. && rm -rf ./${name}`;
  return [
    'if ! mtr_session 2>/dev/null; then',
    `  if ! mtr_session 2>${err}; then`,
    `    if ${TMUX} has-session -t =${name} 2>/dev/null; then rm -f ${err}; ${leave}; printf ${LAUNCH_STATUS.nameTaken}; exit 0; fi`,
    `    cat ${err} >&2; rm -f ${err}; echo "mtr: tmux could not start the job's session" >&2; ${leave}; printf ${LAUNCH_STATUS.failed}; exit 1`,
    '  fi',
    `  rm -f ${err}`,
    'fi',
  ].join('\n');
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
