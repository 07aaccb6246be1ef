// The server side of an rsync upload cannot tell that the link died: the generator's keepalives
// still "succeed" into sshd's buffers, so even `--timeout` never fires, and rsync --server waits
// with its temp file open until sshd's TCP gives up (many minutes, or never). This guard, started
// on the server beside rsync (Linux: it reads /proc), ends rsync once rsync and its children have
// read nothing for `idleSeconds`. rsync then removes its temp file. With `--timeout` both ends
// send keepalives while idle, so a live link always keeps rsync reading; a dead one stops it.
// Pure: builds the script, runs nothing.

export interface RsyncGuard {
  /** Seconds between looks at rsync's read counters. */
  checkSeconds: number;
  /** Seconds without a byte read (by rsync or its children) after which rsync is stopped. */
  idleSeconds: number;
}

/**
 * `sh -c` script run as `sh -c SCRIPT mtr-rsync rsync --server …`: starts the watcher in the
 * background (no descriptor of the session: sshd must not wait for it), then becomes rsync. The
 * watcher is forked twice so it is not among rsync's children, whose reads it counts. No
 * backslashes or single quotes, so it survives any login shell's quoting once shellQuote()d.
 */
export function buildRsyncGuardScript(guard: RsyncGuard): string {
  const check = Math.max(1, Math.round(guard.checkSeconds));
  const idle = Math.max(check, Math.round(guard.idleSeconds));
  const reads = 'reads() { for d in $p $(cat /proc/$p/task/$p/children 2>/dev/null); do cat /proc/$d/io 2>/dev/null; done | grep "^rchar"; }';
  const loop = [
    `while sleep ${check} && kill -0 $p 2>/dev/null; do now=$(reads)`,
    `if [ "$now" != "$last" ]; then last=$now; idle=0; else idle=$((idle + ${check})); fi`,
    `if [ $idle -ge ${idle} ]; then kill -TERM $p; exit 0; fi`,
    'done',
  ].join('; ');
  // One line, so logs and `ps` show it whole.
  return `p=$$; if [ -r /proc/$p/io ]; then ( ( ${reads}; last=; idle=0; ${loop} ) & ) </dev/null >/dev/null 2>&1; fi; exec "$@"`;
}
