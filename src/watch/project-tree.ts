import path from 'node:path';
import type { ServerConfig } from '../config/types.js';
import { EXIT, MtrError } from '../errors.js';
import { createIgnoreMatcher, readRulesFile } from '../sync/scan/ignore.js';
import { syncExcludes } from '../sync/sync-project.js';
import type { WatchEvent } from './batcher.js';
import { createWatchFilter, type WatchFilter } from './filter.js';
import { startWatcher, type ProjectWatcher } from './watcher.js';

// What watch looks at: the project under the shared ignore rules (plus mtr's own log file), and
// the watcher over it. New rules give a new filter and a new watcher.

export interface ProjectTreeOptions {
  root: string;
  server: ServerConfig;
  /** The debug log: inside the project, mtr's own writes to it are never reacted to. */
  logFile: string | undefined;
  onEvent: (event: WatchEvent) => void;
  /** A watcher problem that ends the watch. */
  onFatal: (error: MtrError) => void;
  /** A watcher problem worth a note. */
  onNote: (text: string) => void;
}

export interface ProjectTree {
  /** What batches and syncs leave out (changes with the ignore rules). */
  readonly filter: WatchFilter;
  /** Starts watching; resolves once the watcher's initial scan is done. */
  open(): Promise<void>;
  /** Reads the ignore rules again and restarts the watcher (directories the old rules hid were never watched). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export type WatcherProblem = { fatal: MtrError } | { note: string };

// Out of inotify watches or file descriptors, the watch would silently miss changes: it ends.
export function describeWatcherError(error: Error): WatcherProblem {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EMFILE') return { note: `watch: ${error.message}` };
  return {
    fatal: new MtrError(`cannot watch every directory of the project (${code})`, {
      exitCode: EXIT.failed,
      hint: 'exclude big generated directories (.mtrignore), or raise the limit: sudo sysctl fs.inotify.max_user_watches=524288',
      cause: error,
    }),
  };
}

/** The log file's project-relative path, when it lies inside the project. */
export function ownLogPath(root: string, logFile: string | undefined): string | undefined {
  if (!logFile) return undefined;
  const rel = path.relative(root, logFile).split(path.sep).join('/');
  return rel.startsWith('..') ? undefined : rel;
}

export function createProjectTree(options: ProjectTreeOptions): ProjectTree {
  const { root, server } = options;
  const buildFilter = (): WatchFilter => {
    const matcher = createIgnoreMatcher(root, { exclude: syncExcludes(server, root), respectGitignore: server.respectGitignore, readFile: readRulesFile });
    const log = ownLogPath(root, options.logFile);
    return createWatchFilter(matcher, { ownPaths: log ? [log] : [] });
  };
  let filter = buildFilter();
  let watcher: ProjectWatcher | undefined;

  const open = async () => {
    watcher = await startWatcher({
      root,
      filter: { isIgnored: (p, isDir) => filter.isIgnored(p, isDir) },
      onEvent: options.onEvent,
      onError: (error) => {
        const problem = describeWatcherError(error);
        if ('fatal' in problem) options.onFatal(problem.fatal);
        else options.onNote(problem.note);
      },
    });
  };

  return {
    get filter() {
      return filter;
    },
    open,
    async reload() {
      filter = buildFilter();
      await watcher?.close();
      await open();
    },
    async close() {
      await watcher?.close();
    },
  };
}
