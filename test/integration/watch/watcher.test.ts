// The chokidar wrapper on a real file system: a fresh temp dir per test, `ready` awaited, every wait
// bounded, the watcher closed in finally.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher, readRulesFile } from '../../../src/sync/scan/ignore.js';
import type { WatchEvent } from '../../../src/watch/batcher.js';
import { createWatchFilter } from '../../../src/watch/filter.js';
import { startWatcher, type ProjectWatcher } from '../../../src/watch/watcher.js';

const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function withWatcher(files: Record<string, string>, body: (root: string, events: WatchEvent[]) => Promise<void>): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-watcher-'));
  temps.push(root);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  const filter = createWatchFilter(createIgnoreMatcher(root, { exclude: [], respectGitignore: true, readFile: readRulesFile }));
  let watcher: ProjectWatcher | undefined;
  try {
    watcher = await Promise.race([
      startWatcher({ root, filter, onEvent: (e) => events.push(e), onError: (e) => errors.push(e) }),
      sleep(10_000).then(() => {
        throw new Error('watcher not ready within 10 s');
      }),
    ]);
    await body(root, events);
    expect(errors).toEqual([]);
  } finally {
    await watcher?.close();
  }
}

const write = (root: string, rel: string, content: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
};
const has = (events: WatchEvent[], kind: string, p: string) => events.some((e) => e.kind === kind && e.path === p);

describe('startWatcher', () => {
  it('reports adds, edits, removals and new directories as project-relative paths, nothing before ready', async () => {
    await withWatcher({ 'a.txt': 'one', 'sub/b.txt': 'b' }, async (root, events) => {
      expect(events).toEqual([]);
      write(root, 'new.txt', 'n');
      write(root, 'a.txt', 'two');
      write(root, 'made/deep/c.txt', 'c');
      fs.rmSync(path.join(root, 'sub/b.txt'));
      await eventually('all four changes', () => has(events, 'add', 'new.txt') && has(events, 'change', 'a.txt') && has(events, 'addDir', 'made') && has(events, 'unlink', 'sub/b.txt'));
      await eventually('the nested file', () => has(events, 'add', 'made/deep/c.txt'));
    });
  });

  it('never reports ignored paths, .git, or editor swap files', async () => {
    await withWatcher({ '.gitignore': 'build/\n*.log\n', 'build/keep.o': '', '.git/HEAD': 'ref' }, async (root, events) => {
      write(root, 'build/out.o', 'o');
      write(root, 'x.log', 'l');
      write(root, '.git/index', 'i');
      write(root, '.a.txt.swp', 's');
      write(root, '4913', '');
      write(root, 'marker.txt', 'm');
      await eventually('the marker', () => has(events, 'add', 'marker.txt'));
      // A second marker's event comes after anything the writes before the first could still cause.
      write(root, 'marker2.txt', 'm');
      await eventually('the second marker', () => has(events, 'add', 'marker2.txt'));
      expect(events.map((e) => e.path)).toEqual(['marker.txt', 'marker2.txt']);
    });
  });

  it('reports an atomic save (write temp, rename over) as a change of the target', async () => {
    await withWatcher({ 'a.txt': 'one', 'other.txt': 'o' }, async (root, events) => {
      write(root, 'a.txt.tmp', 'two');
      fs.renameSync(path.join(root, 'a.txt.tmp'), path.join(root, 'a.txt'));
      await eventually('the change of a.txt', () => events.some((e) => e.path === 'a.txt' && (e.kind === 'change' || e.kind === 'add')));
      // chokidar (atomic) holds back an unlink for a while: a later one arriving means an unlink
      // of a.txt would have arrived by now.
      fs.rmSync(path.join(root, 'other.txt'));
      await eventually('the unlink of other.txt', () => has(events, 'unlink', 'other.txt'));
      expect(events.filter((e) => e.path === 'a.txt').map((e) => e.kind)).not.toContain('unlink');
    });
  });
});
