// Whether rsync can compare mtimes to the nanosecond on a server (`--modify-window=-1`, which the
// receiving rsync applies: 3.1.3 or newer, and only if its file system keeps the nanoseconds rsync
// sets). Asked once per target, after the first rsync sync that sent a file: one `find` on one file.
import fs from 'node:fs';
import path from 'node:path';
import { execCapture } from '../exec/capture.js';
import type { ExecClient } from '../exec/exec-client.js';
import { remotePathExpr, wrapForLoginShell } from '../remote/command.js';
import { shellQuote } from '../remote/shell-quote.js';

const NS_PER_S = 1_000_000_000n;
const TAG = 'mtr-ns:';

/** Prints the file's mtime as `find -printf %T@` does (seconds, ten fraction digits). */
export function buildNsProbeScript(remoteDir: string, rel: string): string {
  return `cd ${remotePathExpr(remoteDir)} && find ${shellQuote(`./${rel}`)} -maxdepth 0 -printf '${TAG}%T@\\n' 2>/dev/null`;
}

/**
 * Does the remote copy carry the local file's nanoseconds? true: yes; false: they were dropped (or
 * cut to microseconds); undefined: cannot tell (no GNU find, the file changed since, or the local
 * file has no fraction to compare).
 */
export function judgeRemoteNs(localNs: bigint, probeOutput: string): boolean | undefined {
  const match = new RegExp(`${TAG}-?\\d+\\.(\\d+)`).exec(probeOutput);
  if (!match || localNs === 0n) return undefined;
  const remoteNs = BigInt(((match[1] as string) + '000000000').slice(0, 9));
  if (remoteNs === localNs) return true;
  if (remoteNs === 0n || remoteNs === localNs - (localNs % 1000n) || remoteNs === localNs - (localNs % 1_000_000n)) return false;
  return undefined;
}

/** Asks the server about one file rsync just sent (`rel`: valid UTF-8, relative to the project). */
export async function probeRemoteNs(client: ExecClient, root: string, remoteDir: string, rel: string): Promise<boolean | undefined> {
  let localNs: bigint;
  try {
    localNs = fs.lstatSync(path.join(root, rel), { bigint: true }).mtimeNs % NS_PER_S;
  } catch {
    return undefined;
  }
  const result = await execCapture(client, wrapForLoginShell(buildNsProbeScript(remoteDir, rel))).catch(() => undefined);
  if (!result || result.code === null) return undefined;
  return judgeRemoteNs(localNs, result.stdout.toString('utf8'));
}
