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

/** The streamer's side, in the folder it streams: note its PID unless rc is there already, and take the signal. */
export const WAKE_REGISTER = `mtr_wk=; trap 'mtr_wk=1' URG; [ -f rc ] || { : >${WAKE_DIR}/$$; } 2>/dev/null`;

/**
 * The streamer's pause of `$d` seconds, cut short by the wake: a sleep it waits for (a trapped
 * signal ends `wait` at once, 128 + the signal), stopped when cut short: not yet reaped, so its PID
 * is still ours.
 * Not holding the channel's output: an orphaned sleep must not keep the exec open. After a wake the
 * polling starts fast again.
 */
export const WAKE_SLEEP =
  'if [ -z "$mtr_wk" ]; then sleep $d </dev/null >/dev/null 2>&1 & mtr_s=$!; wait $mtr_s || { [ $? -gt 128 ] && kill $mtr_s 2>/dev/null; }; fi; [ -z "$mtr_wk" ] || d=0.002; mtr_wk=';
