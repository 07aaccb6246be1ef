// Waking a job's streamers when its rc is written. A streamer (job-stream-script.ts) polls the job's
// files, backing off to a round every 0.5 s while the job is quiet: a job that ended in silence was
// seen up to half a second late. Now each streamer leaves an empty file named by its PID in the
// folder's wake/ and sleeps interruptibly; whoever writes the rc (the wrapper, the kill script, a
// session's shell) sends SIGURG to each, and the streamer looks at once. SIGURG because every other
// process ignores it by default: a streamer that died without tidying up, its PID reused since by
// another program of the account, costs that program nothing. A folder without wake/ (a job an
// older mtr started) is streamed by polling, as before. Pure builders.

/** The folder (relative to a job's or a session command's folder) that holds the streamers' PIDs. */
export const WAKE_DIR = 'wake';

/** Run in the folder whose rc was just written: SIGURG to every streamer waiting on it (all builtins). */
export function buildWakeLine(dirs: readonly string[] = ['.']): string {
  const globs = dirs.map((dir) => `${dir}/${WAKE_DIR}/*`).join(' ');
  return `for mtr_w in ${globs}; do [ -e "$mtr_w" ] && kill -URG "\${mtr_w##*/}" 2>/dev/null; done; :`;
}

/**
 * The streamer's side, in the folder it streams: unless rc is there already, note its PID (0600,
 * as every record) and take the signal. `$mtr_wf` names the file once it did (empty otherwise: a
 * folder an older mtr made has no wake/, and is polled as before). From here on the streamer must
 * not use command substitutions: bash 5.2 runs a trap that arrives while it parses one (at run
 * time) as a broken line and prints a syntax error; the polling reads its sizes into `$mtr_wf`
 * instead (job-stream-script.ts). Setting the trap only around each pause was tried: bash then warns
 * about a signal left pending when it is reset. `true`, not `:`: a redirection that fails on a
 * special builtin ends a POSIX shell (dash), and this one fails wherever wake/ is missing.
 */
export const WAKE_REGISTER = `umask 077; mtr_wf=; if [ ! -f rc ] && { true >${WAKE_DIR}/$$; } 2>/dev/null; then mtr_wf=${WAKE_DIR}/$$; trap : URG; fi`;

/**
 * The streamer's pause of `$d` seconds, cut short by the wake: a sleep it waits for (a trapped
 * signal ends `wait` at once). `hasRc` is looked at once more after the sleep is started, so an rc
 * written just before `wait` began is not slept through. A sleep cut short is left to end by itself
 * (at most 0.5 s, holding none of the channel's files): bash, killing it while another child of its
 * runs (the client watch), may print "wait_for: No record of process" on stderr.
 */
export function buildWakeSleep(hasRc = '[ -f rc ]'): string {
  return `if ! ${hasRc}; then sleep $d </dev/null >/dev/null 2>&1 3>&- & ${hasRc} || wait $!; fi`;
}
