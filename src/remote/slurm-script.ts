import { PRE_CMD_FAILED, PRE_CMD_HINT, commandLine, remotePathExpr } from './command.js';
import { buildSbatchArgs, buildSrunArgs, type SlurmRequest } from './slurm-args.js';
import { jobDir } from './job-paths.js';
import { shellJoin, shellQuote } from './shell-quote.js';

// The job script of a run on a Slurm cluster (run.sh of the tmux job on the login node). Pure.
//   srun:   snapshot, pre_cmd, then `srun CMD` in the foreground: live stdout/stderr, the task's code
//   pty:    the same with `srun --pty`, and a "queued" line on the terminal while the job waits
//   sbatch: snapshot, pre_cmd, `sbatch`, then it follows the Slurm job: its output files to the
//           tmux job's out/err, its state to the record's `slurm` file, its code as the job's code
// Every submission runs in its own hard-linked copy of remote_dir, REMOTE_DIR/.mtr/snapshots/NAME
// (a sync replaces files by rename, so the copy keeps the code as it was); MTR_REMOTE_DIR names the
// live remote_dir. The snapshot goes with the job's record (job-history.ts prunes both).

export type SlurmMode = 'srun' | 'pty' | 'sbatch';

export interface SlurmLaunch {
  readonly mode: SlurmMode;
  readonly request: SlurmRequest;
  /** The mtr job's name: also the Slurm job's name and the snapshot's folder. */
  readonly jobName: string;
  /** For messages: the server's name in the config. */
  readonly server: string;
}

/** Codes for jobs Slurm ended without one of their own (README "Exit codes"). */
export const SLURM_EXIT = {
  TIMEOUT: 240,
  OUT_OF_MEMORY: 241,
  CANCELLED: 242,
  NODE_FAIL: 243,
  PREEMPTED: 244,
  other: 245,
} as const;

/** Slurm states that are final. */
export const SLURM_FINAL_STATES = ['COMPLETED', 'FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'CANCELLED', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED'] as const;

/** A state's exit code when the job has none of its own; undefined for COMPLETED/FAILED (their code counts). */
export function slurmStateExit(state: string): number | undefined {
  const base = state.split(/\s/)[0] ?? '';
  if (base === 'COMPLETED' || base === 'FAILED' || base === '') return undefined;
  if (base in SLURM_EXIT) return SLURM_EXIT[base as keyof typeof SLURM_EXIT];
  return (SLURM_FINAL_STATES as readonly string[]).includes(base) ? SLURM_EXIT.other : undefined;
}

/** The Slurm state a code of SLURM_EXIT stands for (`other` reads FAILED); undefined for any other code. */
export function slurmStateOfExit(code: number): string | undefined {
  const found = Object.entries(SLURM_EXIT).find(([, value]) => value === code);
  if (!found) return undefined;
  return found[0] === 'other' ? 'FAILED' : found[0];
}

// `case` arms setting mtr_rc from a final state in $mtr_st (mirrors slurmStateExit).
const STATE_CODES = [
  ...Object.entries(SLURM_EXIT)
    .filter(([state]) => state !== 'other')
    .map(([state, code]) => `${state}*) mtr_rc=${code};;`),
  `BOOT_FAIL*|DEADLINE*|SPECIAL_EXIT*|REVOKED*) mtr_rc=${SLURM_EXIT.other};;`,
].join(' ');

/** The folder of a job's snapshot, relative to remote_dir. */
export const snapshotDir = (name: string) => `.mtr/snapshots/${name}`;

export interface SlurmScriptSpec {
  readonly remoteDir: string;
  readonly subdir: string;
  readonly preCmd?: string;
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly slurm: SlurmLaunch;
}

export function buildSlurmScript(spec: SlurmScriptSpec): string {
  const { slurm } = spec;
  const lines = [
    // The tmux job's folder (the wrapper starts run.sh there): the `slurm` record goes here. Run
    // without tmux (no job folder) nothing is recorded.
    'case $PWD in */.mtr/jobs/*) mtr_job=$PWD;; *) mtr_job=/dev/null/none;; esac',
    ...buildSnapshotLines(spec.remoteDir, spec.subdir, slurm.jobName),
    ...Object.entries(spec.env ?? {}).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
    ...buildPreCmdLines(spec.preCmd),
    buildToolCheck(slurm.mode === 'sbatch' ? ['sbatch', 'squeue', 'scancel'] : ['srun', 'squeue', 'scancel'], slurm.server),
  ];
  const task = buildTaskScript(commandLine(spec.argv), slurm.mode === 'pty');
  return [...lines, ...(slurm.mode === 'sbatch' ? buildSbatchLines(slurm, task) : buildSrunLines(slurm, task))].join('\n');
}

// cd remote_dir (made if missing), then a fresh hard-linked copy of it without .mtr/, then the cwd's
// place in the copy.
function buildSnapshotLines(remoteDir: string, subdir: string, name: string): string[] {
  const dir = remotePathExpr(remoteDir);
  const into = subdir ? shellQuote(`./${subdir}`) : '.';
  return [
    `cd ${dir} 2>/dev/null || { mkdir -p ${dir} && cd ${dir}; } || { echo "mtr: cannot enter remote directory "${dir} >&2; exit 1; }`,
    'MTR_REMOTE_DIR=$PWD; export MTR_REMOTE_DIR',
    `mtr_snap="$MTR_REMOTE_DIR"/${snapshotDir(name)}`,
    // Named in the record, so the prune of old records removes the snapshot too (job-history.ts).
    '[ ! -d "$mtr_job" ] || printf \'%s\\n\' "$mtr_snap" >"$mtr_job"/snapshot',
    'mtr_copy() { rm -rf "$mtr_snap" && mkdir -p "$mtr_snap" || return 1; for f in * .[!.]* ..?*; do { [ -e "$f" ] || [ -L "$f" ]; } || continue; [ "$f" = .mtr ] && continue; cp -al "$f" "$mtr_snap"/ || return 1; done; }',
    `mtr_copy || { echo "mtr: could not snapshot the code into $mtr_snap (cp -al)" >&2; exit 1; }`,
    `cd "$mtr_snap"/${into} 2>/dev/null || { mkdir -p "$mtr_snap"/${into} && cd "$mtr_snap"/${into}; } || exit 1`,
  ];
}

function buildPreCmdLines(preCmd: string | undefined): string[] {
  if (!preCmd?.trim()) return [];
  return [
    preCmd.trim(),
    `mtr_rc=$?; if [ "$mtr_rc" -ne 0 ]; then printf '%s\n' "mtr: pre_cmd failed (exit $mtr_rc), so the command did not run" ${shellQuote(`  fix: ${PRE_CMD_HINT}; \`mtr --doctor\` checks it`)} >&2; exit ${PRE_CMD_FAILED}; fi`,
  ];
}

/** Exit code when the login node lacks a Slurm command (a setup problem the user fixes). */
export const SLURM_TOOL_MISSING = 2;

function buildToolCheck(tools: readonly string[], server: string): string {
  const hint = `  fix: install Slurm's client tools on ${server}'s login node, or load them in pre_cmd (e.g. \`module load slurm\`)`;
  return `for t in ${tools.join(' ')}; do command -v "$t" >/dev/null 2>&1 || { printf '%s\\n' "mtr: $t not found on the login node of ${server}" ${shellQuote(hint)} >&2; exit ${SLURM_TOOL_MISSING}; }; done`;
}

// What each task runs on its node: the rendezvous variables torchrun wants (master = the first node
// of the allocation; a port from the job id), then the command line, in bash where there is one.
export function buildTaskScript(line: string, pty = false): string {
  const env = [
    // At a terminal: erase the "queued" line the login node may have drawn.
    ...(pty ? ["printf '\\r\\033[K'"] : []),
    'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" 2>/dev/null | head -n 1); export MASTER_ADDR',
    'MASTER_PORT=${MASTER_PORT:-$((20000 + ${SLURM_JOB_ID:-0} % 20000))}; export MASTER_PORT',
    'NNODES=${SLURM_NNODES:-1}; NODE_RANK=${SLURM_NODEID:-0}; export NNODES NODE_RANK',
  ];
  return [...env, line].join('\n');
}

const runTask = (task: string) => `sh -c 'if command -v bash >/dev/null 2>&1; then exec bash -c "$1"; else exec sh -c "$1"; fi' mtr ${shellQuote(task)}`;

// Writes `ID STATE NODES` to the record's `slurm` file (temp + mv: --jobs never reads half a line).
const RECORD_FUNCTION = 'mtr_rec() { [ -d "$mtr_job" ] || return 0; printf \'%s %s %s\\n\' "$1" "$2" "$3" >"$mtr_job"/slurm.tmp && mv "$mtr_job"/slurm.tmp "$mtr_job"/slurm; }';

// Waits (up to 10 s) until Slurm calls job $mtr_id final; leaves the state in $mtr_st, nodes in $mtr_nodes.
const AWAIT_FINAL = `i=0; while :; do set -- $(squeue -h -j "$mtr_id" -t all -o '%T %N' 2>/dev/null); mtr_st=\${1:-$mtr_st}; mtr_nodes=\${2:-$mtr_nodes}; case $mtr_st in PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|'') [ $i -lt 50 ] || break; sleep 0.2; i=$((i+1));; *) break;; esac; done`;

function buildSrunLines(slurm: SlurmLaunch, task: string): string[] {
  const pty = slurm.mode === 'pty';
  const srun = `${shellJoin(buildSrunArgs(slurm.request, { jobName: slurm.jobName, pty }))} ${runTask(task)}`;
  // Batch: srun runs in its own session, so Ctrl+C/SIGTERM (sent to the tmux job's process group)
  // reach only this shell, whose trap cancels the Slurm job at once (CANCELLED, as scancel makes it);
  // srun then ends with the step. Its stdin is the job's (an async command's default is /dev/null).
  // At a terminal srun --pty stays in the foreground: keys, Ctrl+C included, go to the task.
  const run = pty
    ? [srun, 'mtr_rc=$?']
    : ['mtr_ss=; command -v setsid >/dev/null 2>&1 && mtr_ss=setsid', `$mtr_ss ${srun} <&0 & mtr_p=$!`, 'while :; do wait "$mtr_p"; mtr_rc=$?; kill -0 "$mtr_p" 2>/dev/null || break; done'];
  const cancel = `scancel --quiet -u "$(id -un)" -n ${slurm.jobName} 2>/dev/null`;
  return [
    RECORD_FUNCTION,
    pty ? "mtr_sig=; trap 'mtr_sig=1' INT TERM" : `mtr_sig=; trap 'mtr_sig=1; ${cancel}' INT TERM`,
    buildJobWatcher(slurm.jobName, pty),
    ...run,
    'kill "$mtr_w" 2>/dev/null',
    'mtr_id=; mtr_st=; mtr_nodes=; [ ! -f "$mtr_job"/slurm ] || read -r mtr_id mtr_st mtr_nodes <"$mtr_job"/slurm',
    `[ -z "$mtr_sig" ] || ${cancel}`,
    // The final state for --jobs; a job Slurm ended (time limit, memory, node) gets a distinct code.
    'if [ -n "$mtr_id" ]; then',
    `  if [ "$mtr_rc" -eq 0 ]; then mtr_st=COMPLETED; else ${AWAIT_FINAL}; fi`,
    '  mtr_rec "$mtr_id" "$mtr_st" "$mtr_nodes"',
    `  [ -n "$mtr_sig" ] || [ "$mtr_rc" -eq 0 ] || case $mtr_st in ${STATE_CODES} esac`,
    `  [ "$mtr_rc" -lt ${SLURM_EXIT.TIMEOUT} ] || [ "$mtr_rc" -gt ${SLURM_EXIT.other} ] || echo "mtr: Slurm ended job $mtr_id: $mtr_st" >&2`,
    'fi',
    'exit "$mtr_rc"',
  ];
}

// In the background while srun runs: the job's id, state and nodes to the record once a second;
// at a terminal also `queued: job N (Reason)` on one redrawn line while it waits; the task clears
// that line as it starts (buildTaskScript), so nothing here ever erases what the task drew.
function buildJobWatcher(name: string, pty: boolean): string {
  // Fields split on `|`: a pending job has no nodes, and a reason may hold spaces.
  const poll =
    `l=$(squeue -h -u "$(id -un)" -n ${name} -t PD,CF,R,S,CG -o '%i|%T|%N|%r' 2>/dev/null | sort -n | tail -n 1); ` +
    'j=${l%%|*}; l=${l#*|}; st=${l%%|*}; l=${l#*|}; nd=${l%%|*}; why=${l#*|}';
  const queued = pty
    ? 'if [ "$st" = PENDING ]; then printf \'\\rmtr: queued: job %s (%s)\\033[K\' "$j" "$why" >&2; fi; '
    : '';
  return `( trap - INT TERM; while :; do ${poll}; if [ -n "$j" ]; then ${queued}mtr_rec "$j" "$st" "$nd"; fi; sleep 1; done ) </dev/null >/dev/null & mtr_w=$!`;
}

// -d: submit, then follow the Slurm job until it is final. Its output files are copied live to this
// job's out/err (so --logs, --follow, --wait --for and --attach read them as for any job); `slurm`
// in the record holds `ID STATE NODES` for --jobs. --kill's INT → scancel (Slurm's TERM, then KILL
// after its KillWait); the TERM that follows after kill_grace → SIGKILL to the job at once.
function buildSbatchLines(slurm: SlurmLaunch, task: string): string[] {
  const io = `"$MTR_REMOTE_DIR"/${snapshotDir(slurm.jobName)}.slurm`;
  const sbatch = shellJoin(buildSbatchArgs(slurm.request, { jobName: slurm.jobName, output: 'OUT', error: 'ERR' })).replace('--output=OUT', '--output="$mtr_io"/out').replace('--error=ERR', '--error="$mtr_io"/err');
  // The batch script: the task, then its code to a file of its own (no accounting needed to read it).
  // One node: the batch shell runs the task itself (stderr is the task's alone); several: srun starts one per node.
  const batch = ['#!/bin/sh', `if [ "\${SLURM_NNODES:-1}" -gt 1 ]; then srun --quiet ${runTask(task)}; else ${runTask(task)}; fi`, 'mtr_rc=$?', 'echo "$mtr_rc" >"$MTR_SLURM_IO"/rc.tmp && mv "$MTR_SLURM_IO"/rc.tmp "$MTR_SLURM_IO"/rc', 'exit "$mtr_rc"'].join('\n');
  const record = 'mtr_rec "$mtr_id" "$mtr_st" "$mtr_nodes"';
  return [
    RECORD_FUNCTION,
    `mtr_io=${io}; rm -rf "$mtr_io" && mkdir -p "$mtr_io" || exit 1`,
    'MTR_SLURM_IO=$mtr_io; export MTR_SLURM_IO',
    `mtr_id=$(printf '%s\\n' ${shellQuote(batch)} | ${sbatch}) || exit $?`,
    'mtr_id=${mtr_id%%;*}; mtr_st=PENDING; mtr_nodes=',
    record,
    'printf \'%s\\n\' "$mtr_id" >"$mtr_job"/slurm-id',
    // The Slurm job's output files are copied to this job's stdout/stderr (its out/err) by byte
    // offsets, every 0.5 s; squeue is asked every 2 s, or at once when the batch script wrote its rc.
    "mtr_copy_out() { for f in out err; do [ -f \"$mtr_io\"/$f ] || continue; n=$(wc -c <\"$mtr_io\"/$f); eval \"o=\\${mtr_o_$f:-0}\"; [ \"$n\" -gt \"$o\" ] || continue; if [ $f = out ]; then tail -c +$((o+1)) \"$mtr_io\"/$f | head -c $((n-o)); else tail -c +$((o+1)) \"$mtr_io\"/$f | head -c $((n-o)) >&2; fi; eval \"mtr_o_$f=$n\"; done; }",
    'mtr_stop=0',
    'trap \'mtr_stop=$((mtr_stop+1)); if [ $mtr_stop = 1 ]; then scancel --quiet "$mtr_id"; else scancel --quiet --signal=KILL --full "$mtr_id"; fi\' INT TERM',
    'i=0',
    'while :; do',
    '  mtr_copy_out',
    '  if [ $((i % 4)) = 0 ] || [ -f "$mtr_io"/rc ]; then',
    '    mtr_line=$(squeue -h -j "$mtr_id" -t all -o \'%T %N\' 2>/dev/null)',
    '    if [ -n "$mtr_line" ]; then set -- $mtr_line; mtr_new=$1; mtr_nodes=${2:-$mtr_nodes}',
    // Gone from squeue (past MinJobAge): scontrol may still know it; else its own rc file decides.
    '    else mtr_new=$(scontrol show job "$mtr_id" 2>/dev/null | sed -n \'s/.*JobState=\\([A-Z_]*\\).*/\\1/p\'); [ -n "$mtr_new" ] || { [ -f "$mtr_io"/rc ] && mtr_new=COMPLETED || mtr_new=$mtr_st; }; fi',
    `    [ "$mtr_new" = "$mtr_st" ] || { mtr_st=$mtr_new; ${record}; }`,
    `    case $mtr_st in ${SLURM_FINAL_STATES.map((s) => `${s}*`).join('|')}) break;; esac`,
    '  fi',
    '  i=$((i+1)); sleep 0.5',
    'done',
    // What the job wrote last (the files are complete once Slurm calls the job final).
    'mtr_copy_out',
    'mtr_rc=; [ ! -f "$mtr_io"/rc ] || read -r mtr_rc <"$mtr_io"/rc',
    `case $mtr_st in COMPLETED*|FAILED*) mtr_rc=\${mtr_rc:-${SLURM_EXIT.other}};; ${STATE_CODES} *) mtr_rc=${SLURM_EXIT.other};; esac`,
    `[ "$mtr_rc" -lt ${SLURM_EXIT.TIMEOUT} ] || [ "$mtr_rc" -gt ${SLURM_EXIT.other} ] || echo "mtr: Slurm ended job $mtr_id: $mtr_st" >&2`,
    'exit "$mtr_rc"',
  ];
}

/** How long `-d` waits for sbatch to answer with the Slurm job id (steps of 0.2 s). */
export const SLURM_ID_WAIT_STEPS = 150;

// After `-d` on a cluster: waits until the follower has the Slurm job id (`slurm-id`), or the job
// ended without one (sbatch refused it, a missing tool), or the wait ran out. Prints `id N`,
// `ended RC` then the last lines of its stderr, or `none`.
export function buildSlurmIdScript(name: string, steps = SLURM_ID_WAIT_STEPS): string {
  return [
    `cd ${jobDir(name)} 2>/dev/null || { echo none; exit 0; }`,
    `i=0; while [ ! -s slurm-id ] && [ ! -f rc ] && [ $i -lt ${steps} ]; do sleep 0.2; i=$((i+1)); done`,
    'if [ -s slurm-id ]; then printf \'id %s\\n\' "$(cat slurm-id)"',
    'elif [ -f rc ]; then printf \'ended %s\\n\' "$(cat rc)"; [ ! -f err ] || tail -n 3 err',
    'else echo none; fi',
  ].join('\n');
}

export type SlurmIdAnswer = { kind: 'id'; jobId: number } | { kind: 'ended'; code: number; stderr: string } | { kind: 'none' };

export function parseSlurmIdAnswer(text: string): SlurmIdAnswer {
  const [first = '', ...rest] = text.split('\n');
  const id = /^id (\d+)/.exec(first);
  if (id) return { kind: 'id', jobId: Number(id[1]) };
  const ended = /^ended (\d+)/.exec(first);
  if (ended) return { kind: 'ended', code: Number(ended[1]), stderr: rest.join('\n').trim() };
  return { kind: 'none' };
}
