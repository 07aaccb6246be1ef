import type { IgnoreMatcher } from '../sync/scan/ignore.js';

// What watch mode never reacts to: the shared ignore rules (the same matcher both sync engines use),
// plus editors' swap, backup and atomic-save temp files and mtr's own debug logs. Pure.

// Matched against the basename.
const EDITOR_TEMP: readonly RegExp[] = [
  /\.sw[a-p]$/, // vim swap: .name.swp, .swo … (the `.sw?` family)
  /~$/, // backups: name~ (vim, emacs, gedit)
  /^\.#/, // emacs lock links: .#name
  /^#.*#$/, // emacs auto-save: #name#
  /^4913$/, // vim probes a directory with this file before writing
  /___jb_(tmp|old|bak)___$/, // JetBrains "safe write"
  /^\.subl.*\.tmp$/, // Sublime Text atomic save
  /\.kate-swp$/, // Kate
  /^\.goutputstream-/, // GNOME (gedit) atomic save
  /\.mtr-tmp-[0-9a-f]+$/, // mtr's own download temp files
];

/** Where mtr writes its debug logs inside a project (see log.ts defaultLogPath). */
const OWN_DIRS: readonly string[] = ['.mtr/logs'];

export function isEditorTemp(relPath: string): boolean {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  return EDITOR_TEMP.some((pattern) => pattern.test(base));
}

export interface WatchFilter {
  /**
   * isDir undefined = type unknown (the watcher asks before it has stats): ignored only when the
   * path is ignored as a file and as a directory, so a dir-only rule never hides a file.
   */
  isIgnored(relPath: string, isDir?: boolean): boolean;
}

export interface WatchFilterOptions {
  /** Extra project-relative paths to leave out (e.g. the active --log-file). */
  ownPaths?: readonly string[];
}

export function createWatchFilter(matcher: Pick<IgnoreMatcher, 'isIgnored'>, options: WatchFilterOptions = {}): WatchFilter {
  const own = [...OWN_DIRS, ...(options.ownPaths ?? [])];
  const isOwn = (rel: string) => own.some((p) => rel === p || rel.startsWith(`${p}/`));
  return {
    isIgnored(relPath, isDir) {
      const rel = relPath.replace(/^\.\//, '').replace(/\/+$/, '');
      if (rel === '' || rel === '.') return false;
      if (isOwn(rel)) return true;
      // .mtr/ is never synced, but its config is watched so a change can be pointed out.
      if (rel === '.mtr' || rel === '.mtr/config.yaml') return false;
      if (rel.startsWith('.mtr/')) return true;
      if (isDir !== true && isEditorTemp(rel)) return true;
      if (isDir !== undefined) return matcher.isIgnored(rel, isDir);
      return matcher.isIgnored(rel, false) && matcher.isIgnored(rel, true);
    },
  };
}
