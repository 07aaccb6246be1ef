import { JOBS_DIR } from './job-paths.js';

// How long finished jobs' records stay on the server, and the prune that keeps it so at each start.

/**
 * Finished jobs kept per project (remote_dir) on a server account: the newest `keep`, and any that
 * ended less than `days` days ago, but never more than `max`. Running jobs are never touched.
 */
export interface JobHistoryLimits {
  keep: number;
  days: number;
  max: number;
  /** Finished jobs that may pile up (account-wide) before the next start prunes again. */
  slack: number;
}
export const JOB_HISTORY: JobHistoryLimits = { keep: 200, days: 7, max: 2000, slack: 20 };

// Keeps per project what JOB_HISTORY promises. Counted with a glob (no process), and run only when
// the account's finished jobs grew by `slack` since the last prune (kept.count, read by a builtin), so
// most starts spawn nothing for it. Its own stdio: a slow prune must not hold the launch open.
export function buildPruneLine(limits: JobHistoryLimits = JOB_HISTORY): string {
  const count = `set -- ${JOBS_DIR}/*/rc; [ -e "$1" ] || set --`;
  const kept = `k=${limits.keep}; [ -f ${JOBS_DIR}/kept.count ] && read -r k <${JOBS_DIR}/kept.count; case $k in ''|*[!0-9]*) k=${limits.keep};; esac`;
  return [
    `${count}; ${kept}`,
    `if [ $# -gt ${limits.keep} ] && [ $# -gt $((k + ${limits.slack})) ]; then (${buildPruneScript(limits)}) </dev/null >/dev/null 2>&1 &`,
    `elif [ $# -lt "$k" ] && [ -f ${JOBS_DIR}/kept.count ]; then echo $# >${JOBS_DIR}/kept.count; fi`,
  ].join('\n');
}

// A Slurm job's code snapshot (slurm-script.ts names it in the record's `snapshot`) goes with the
// record; only a path that is that job's snapshot folder is removed.
const REMOVE_SNAPSHOT = 's=; [ ! -f "$d/snapshot" ] || read -r s <"$d/snapshot"; case $s in */.mtr/snapshots/"$d") rm -rf -- "$s" "$s.slurm";; esac';

// Lists finished jobs newest first (by rc's time) with their project; awk counts per project and
// names those past `max`, or past `keep` and not ended within `days` (find -mtime, POSIX). The list
// is taken before the recent ones are looked up: a record that appears in between (another start
// on the same account) is then not in the list, so never pruned for want of a look.
function buildPruneScript(limits: JobHistoryLimits): string {
  const select =
    `awk -v keep=${limits.keep} -v max=${limits.max} '` +
    '!list { if ($0 == "/") { list = 1; next }; sub(/^\\.\\//, ""); sub(/\\/rc$/, ""); recent[$0] = 1; next } ' +
    '{ d = $1; p = substr($0, length(d) + 2); n = ++seen[p]; if (n > max || (n > keep && !(d in recent))) print d }\'';
  return [
    `cd ${JOBS_DIR} || exit 0`,
    'l=$(ls -1t -- */rc)',
    `{ find . -mindepth 2 -maxdepth 2 -name rc -mtime -${limits.days} -print; echo /; ` +
      `printf '%s\\n' "$l" | while IFS= read -r f; do [ -n "$f" ] || continue; d=\${f%/rc}; p=; [ -f "$d/project" ] && read -r p <"$d/project"; printf '%s %s\\n' "$d" "$p"; done; } | ` +
      `${select} | while IFS= read -r d; do ${REMOVE_SNAPSHOT}; rm -rf -- "./$d"; done`,
    'set -- */rc; [ -e "$1" ] || set --; echo $# >kept.count',
  ].join('\n');
}
