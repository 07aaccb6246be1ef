import path from 'node:path';
import type { Stats } from 'node:fs';
import type { WatchEvent, WatchEventKind } from './batcher.js';
import type { WatchFilter } from './filter.js';

// Watches files: chokidar (loaded only here, only for --watch) over the project root. Ignored paths
// are never even watched: chokidar asks the shared filter before it descends into a directory.

export interface WatcherOptions {
  root: string;
  filter: WatchFilter;
  onEvent: (event: WatchEvent) => void;
  onError: (error: Error) => void;
}

export interface ProjectWatcher {
  close(): Promise<void>;
}

const KINDS: ReadonlySet<string> = new Set<WatchEventKind>(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);

/** Project-relative POSIX path of a path chokidar reports, or undefined when outside the root. */
export function toProjectPath(root: string, file: string): string | undefined {
  const rel = path.relative(root, path.resolve(root, file));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

// Resolves once chokidar's initial scan is done (its `ready`): changes after that are reported.
export async function startWatcher(options: WatcherOptions): Promise<ProjectWatcher> {
  const { watch } = await import('chokidar');
  const root = path.resolve(options.root);
  const ignored = (file: string, stats?: Stats): boolean => {
    const rel = toProjectPath(root, file);
    if (rel === undefined || rel === '') return false;
    return options.filter.isIgnored(rel, stats ? stats.isDirectory() : undefined);
  };
  const watcher = watch(root, {
    cwd: root,
    ignored,
    ignoreInitial: true,
    // The sync never follows links: a link is sent as a link, so only the link itself is watched.
    followSymlinks: false,
    // Editors that save by delete + recreate within 100 ms produce one `change`, not unlink + add.
    atomic: true,
    persistent: true,
  });
  watcher.on('all', (kind: string, file: string) => {
    if (!KINDS.has(kind)) return;
    const rel = toProjectPath(root, file);
    if (rel) options.onEvent({ kind: kind as WatchEventKind, path: rel });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve());
      watcher.once('error', (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  } catch (error) {
    await watcher.close();
    throw error;
  }
  watcher.on('error', (error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))));
  return { close: () => watcher.close() };
}
