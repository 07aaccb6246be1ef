import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { privateRuntimeDir } from '../util/private-dir.js';
import { writeFileWhole } from '../util/write-whole.js';
import { findConfig, resolveUserConfigPath } from './find.js';
import type { LoadedConfig } from './types.js';

// Parsing and validating the config means loading yaml and zod: ~25 ms, a fifth of a warm run.
// A run whose config files are exactly as last time (same inode, size, mtime and ctime) reuses the
// last result instead. The copy lives in the private runtime folder of the shared connections
// (0700, the user's own; it may hold a password, as the config itself does), one file per project
// and working folder, written whole or not at all. Only configs that loaded cleanly are kept, so
// every error is still reported from the files themselves.

declare const __MTR_BUILD__: string;
/** Set by the bundler (scripts/build.mjs) from the sources; unset (no caching) when run from src. */
const BUILD: string | undefined = typeof __MTR_BUILD__ === 'string' ? __MTR_BUILD__ : undefined;

export interface CacheInputs {
  build: string;
  cwd: string;
  homedir: string;
  files: { path: string; stamp: string }[];
}

/** What identifies a file's content without reading it; 'absent' for a missing file. */
export function fileStamp(stats: Pick<fs.Stats, 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'> | undefined): string {
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}` : 'absent';
}

export function cacheKey(inputs: CacheInputs): string {
  return JSON.stringify(inputs);
}

/** One cache file per (working folder, project config): messages name files relative to the cwd. */
export function cacheFile(dir: string, cwd: string, configPath: string): string {
  const id = createHash('sha256').update(`${cwd}\0${configPath}`).digest('hex').slice(0, 20);
  return path.join(dir, `config-${id}.json`);
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function readCached(file: string, key: string): LoadedConfig | undefined {
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: unknown; config?: LoadedConfig };
    return stored.key === key ? stored.config : undefined;
  } catch {
    return undefined;
  }
}

function writeCached(file: string, key: string, config: LoadedConfig): void {
  writeFileWhole(file, () => JSON.stringify({ key, config }));
}

async function loadUncached(ctx: Context): Promise<LoadedConfig> {
  const { loadConfig } = await import('./load.js');
  return loadConfig(ctx);
}

/** loadConfig(), answered from the last run's result when no config file changed since. */
export async function loadConfigCached(ctx: Context): Promise<LoadedConfig> {
  const configPath = findConfig(ctx.cwd);
  if (BUILD === undefined || configPath === undefined) return loadUncached(ctx);
  const dir = privateRuntimeDir(ctx.env);
  if (dir === undefined) return loadUncached(ctx);
  // Stamped before reading: a file edited meanwhile gets a new stamp, so the next run reloads it.
  const files = [configPath, resolveUserConfigPath(ctx.env, ctx.homedir)].map((file) => ({ path: file, stamp: fileStamp(statOrUndefined(file)) }));
  const key = cacheKey({ build: BUILD, cwd: ctx.cwd, homedir: ctx.homedir, files });
  const file = cacheFile(dir, ctx.cwd, configPath);
  const cached = readCached(file, key);
  if (cached) return cached;
  const config = await loadUncached(ctx);
  writeCached(file, key, config);
  return config;
}
