// Whether rsync may compare mtimes to the nanosecond on a target (`--modify-window=-1`): only when
// it was checked there, once, that the receiving rsync understands it (GNU 3.1.3 or newer: older
// ones refuse it or take -1 as "always differs") and that remote_dir's file system keeps the
// nanoseconds rsync sets. One remote command, run before the first rsync sync to a target; the
// answer goes in the sync record. Where it cannot be told, the answer is no.
import type { HostCapture } from '../../host/types.js';
import { remotePathExpr, wrapForLoginShell } from '../../remote/command.js';
import { parseRsyncVersion, rsyncCapabilities } from './version.js';

const TAG = 'mtr-ns';
/** The time the probe sets on its own file and reads back: every digit of the fraction counts. */
export const PROBE_TIME = '1700000000.123456789';

/**
 * Prints the remote rsync's version line, then the mtime a fresh file in remote_dir reads back after
 * `touch -d @PROBE_TIME` (GNU touch and find; anything else prints nothing there). The file is
 * removed again.
 */
export function buildNsProbeScript(remoteDir: string): string {
  const dir = remotePathExpr(remoteDir);
  return [
    `printf '${TAG}-rsync:'; rsync --version 2>/dev/null | head -n 1; echo`,
    `mkdir -p ${dir} && cd ${dir} || exit 0`,
    `f=$(mktemp ./.mtr-ns.XXXXXX) || exit 0`,
    `touch -d @${PROBE_TIME} "$f" 2>/dev/null && printf '${TAG}-time:%s\\n' "$(find "$f" -maxdepth 0 -printf %T@ 2>/dev/null)"`,
    'rm -f "$f"',
  ].join('\n');
}

/** true only when both were seen: a GNU rsync >= 3.1.3, and the probe time kept to the nanosecond. */
export function judgeNsProbe(output: string): boolean {
  const versionLine = new RegExp(`${TAG}-rsync:([^\\n]*)`).exec(output)?.[1] ?? '';
  const version = parseRsyncVersion(versionLine);
  if (!version || !rsyncCapabilities(version).nanosecondWindow) return false;
  const time = new RegExp(`${TAG}-time:(-?\\d+)\\.(\\d+)`).exec(output);
  if (!time) return false;
  const [whole, fraction] = PROBE_TIME.split('.') as [string, string];
  return time[1] === whole && (time[2] as string).padEnd(9, '0').slice(0, 9) === fraction;
}

/** Asks the server; undefined when it could not be asked (the link dropped): ask again next time. */
export async function probeRemoteNs(host: HostCapture, remoteDir: string): Promise<boolean | undefined> {
  const result = await host.capture(wrapForLoginShell(buildNsProbeScript(remoteDir))).catch(() => undefined);
  if (!result || result.code === null) return undefined;
  return judgeNsProbe(result.stdout.toString('utf8'));
}
