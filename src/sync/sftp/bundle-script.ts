import { remotePathExpr } from '../../remote/remote-path.js';
import { shellQuote } from '../../remote/shell-quote.js';
import { CONFLICTS_DIR } from '../plan/conflicts.js';
import type { BundleMove } from '../plan/bundle.js';
import type { ModeFix } from '../plan/changes.js';

// The server's side of a bundle (pure): make remote_dir when it is missing (the bundle may run before
// SFTP has looked), unpack the tar stream on stdin into a private folder inside
// `.mtr-conflicts/` (never listed, synced or deleted; the same file system as remote_dir, so moving
// out of it is a rename), run the moves the archive carries last, remove the folder. A stream cut
// short fails tar, and nothing is moved.

/** Exit status when the server has no tar: the caller sends the bundle's files over SFTP instead. */
export const NO_TAR = 90;

/** The archive member holding the moves; the entries are below BUNDLE_TREE. */
export const BUNDLE_MOVES = 'moves';
export const BUNDLE_TREE = 't';

const STAGE_PREFIX = '.upload-';

export interface BundleScriptOptions {
  /** remote_dir as configured (`~/…`, relative = below home, or absolute). */
  remoteDir: string;
  /** Unique per bundle ([0-9a-f]). */
  suffix: string;
  /** Remove other bundles' folders untouched this long (an upload cut off by a killed server). */
  leftoverAgeSeconds?: number;
}

export function buildBundleScript(options: BundleScriptOptions): string {
  const stage = `"$c"/${STAGE_PREFIX}${options.suffix}`;
  const age = options.leftoverAgeSeconds;
  const dir = remotePathExpr(options.remoteDir);
  return [
    `mkdir -p -- ${dir} 2>/dev/null; cd ${dir} || exit 1`,
    `command -v tar >/dev/null 2>&1 || exit ${NO_TAR}`,
    `c=${CONFLICTS_DIR}; s=${stage}`,
    // Before this bundle's own folder exists (a young folder can match `-cmin +0`). GNU find takes
    // fractional minutes; a find that does not just removes nothing.
    ...(age === undefined ? [] : [`[ ! -d "$c" ] || find "$c"/ -maxdepth 1 -name '${STAGE_PREFIX}*' -type d -cmin +${Math.max(0, Math.round((age / 60) * 1000) / 1000)} -exec rm -rf {} + 2>/dev/null`]),
    // Another sync may remove an empty .mtr-conflicts between the two mkdirs: once more then.
    'mkdir -p "$c" && mkdir -m 700 "$s" || { mkdir -p "$c" && mkdir -m 700 "$s"; } || exit 1',
    `trap 'rm -rf "$s"; rmdir "$c" 2>/dev/null' EXIT`,
    "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM",
    'tar -x -p -o -f - -C "$s" || exit 1',
    `. "$s"/${BUNDLE_MOVES}`,
  ].join('\n');
}

/** Paths per `chmod`: a command line stays far below the kernel's limit. */
const PATHS_PER_CHMOD = 256;

// The new directories' modes, deepest level first (a parent without search permission for its
// owner must not keep a child's chmod from reaching it), one line per level and mode. Five octal
// digits: GNU chmod keeps a directory's inherited setgid bit for a four-digit mode, and SFTP's
// setstat would set the mode exactly.
export function chmodLines(modes: readonly ModeFix[]): string[] {
  const depth = (p: string) => p.split('/').length;
  const groups = new Map<string, { mode: number; paths: string[] }>();
  for (const fix of [...modes].sort((a, b) => depth(b.path) - depth(a.path))) {
    const key = `${depth(fix.path)} ${fix.mode}`;
    const group = groups.get(key) ?? { mode: fix.mode, paths: [] };
    group.paths.push(fix.path);
    groups.set(key, group);
  }
  const lines: string[] = [];
  for (const { mode, paths } of groups.values()) {
    for (let at = 0; at < paths.length; at += PATHS_PER_CHMOD) {
      lines.push(`chmod ${mode.toString(8).padStart(5, '0')} -- ${paths.slice(at, at + PATHS_PER_CHMOD).map(shellQuote).join(' ')} || exit 1`);
    }
  }
  return lines;
}

/**
 * The moves member: shell lines run from remote_dir with `$s` the unpacked folder. A whole new
 * directory is renamed only where nothing stands yet (mv would put it inside what does). Then the
 * new directories' modes, when the bundle carries them (Bundle.modes).
 */
export function buildMovesScript(moves: readonly BundleMove[], modes: readonly ModeFix[] = []): string {
  const staged = (p: string) => `"$s"/${BUNDLE_TREE}/${shellQuote(p)}`;
  const lines = moves.map((move) => {
    if (move.kind === 'dir') {
      const target = shellQuote(move.path);
      const taken = `echo "mtr: ${move.path.replace(/["\\$`]/g, '?')} appeared on the server during the sync" >&2; exit 1`;
      return `if [ -e ${target} ] || [ -h ${target} ]; then ${taken}; fi; mv -- ${staged(move.path)} ${target} || exit 1`;
    }
    const prefix = move.dir === '.' ? '' : `${move.dir}/`;
    const sources = move.names.map((name) => staged(`${prefix}${name}`)).join(' ');
    return `mv -f -- ${sources} ${shellQuote(move.dir === '.' ? './' : `${move.dir}/`)} || exit 1`;
  });
  return `${[...lines, ...chmodLines(modes), 'exit 0'].join('\n')}\n`;
}
