// The program's first step (bin/mtr.cjs → dist/boot.cjs): load the bundle, dist/mtr.cjs, through
// V8's code cache. Without it Node compiles the bundle's code anew at every start, the largest part
// of a warm run's time on this side; Node 20 has no compile cache of its own. The cache is the
// bytecode of the functions a run used, written once per build by the first run, `--get` or job
// command that had none (src/index.ts), and kept in the user's private runtime folder.
//
// What keeps a cache from meeting code it was not made from: V8 checks little (its own version,
// flags and the source's length, not the code: a same-length build would run the old bytecode), so
// the file name holds the build's sources hash, the bundle's identity (inode, size, mtime) and the
// Node version and architecture. A refused cache only costs that start its speed; the run then
// writes a new one. Files are written whole (an exclusive temp file, then rename). MTR_CODE_CACHE=0
// turns it off; so does --debug (below).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { main as Main, Startup } from './index.js';
import { privateRuntimeDir } from './util/private-dir.js';
import { WHOLE_TEMP_SUFFIX, writeFileWhole } from './util/write-whole.js';

export interface BundleIdentity {
  path: string;
  /** The sources' hash the build was made from (scripts/build.mjs): a copy that kept inode, size and mtime is still another build. */
  build: string;
  ino: number;
  size: number;
  mtimeMs: number;
}

declare const __MTR_BUILD__: string;
const BUILD: string = typeof __MTR_BUILD__ === 'string' ? __MTR_BUILD__ : 'sources';

const PREFIX = 'code-';

/**
 * The cache file of one bundle under one Node: `code-<install>-<build>.cache`, where <install>
 * names the bundle's path (older builds of the same install share it and are removed) and <build>
 * its identity and the runtime.
 */
export function codeCacheFile(dir: string, bundle: BundleIdentity, runtime: { version: string; arch: string }): string {
  const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  const build = hash(`${bundle.build}\0${bundle.ino}\0${bundle.size}\0${bundle.mtimeMs}\0${runtime.version}\0${runtime.arch}`);
  return path.join(dir, `${PREFIX}${hash(bundle.path)}-${build}.cache`);
}

/** The other cache files of the same install (older builds, another Node): removed when a new one is written. */
export function staleCodeCaches(names: string[], file: string): string[] {
  const base = path.basename(file);
  return names.filter((name) => name !== base && name.startsWith(installPrefix(file)) && name.endsWith('.cache'));
}

/** `code-<install>-` of a cache file: what every cache file of the same install starts with. */
function installPrefix(file: string): string {
  const base = path.basename(file);
  return base.slice(0, base.lastIndexOf('-') + 1);
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** An unfinished write's temp file older than this is one a killed writer left. */
const TEMP_LEFT_MS = 60_000;

// Written whole; then the same install's older caches go, and temp files a killed writer left.
function writeCache(file: string, data: () => Buffer): void {
  if (!writeFileWhole(file, data)) return;
  try {
    const dir = path.dirname(file);
    const names = fs.readdirSync(dir);
    for (const name of staleCodeCaches(names, file)) fs.rmSync(path.join(dir, name), { force: true });
    for (const name of leftTemps(names, file)) {
      const left = path.join(dir, name);
      if (Date.now() - fs.statSync(left).mtimeMs > TEMP_LEFT_MS) fs.rmSync(left, { force: true });
    }
  } catch {
    // Another writer removed one first, or the folder went: nothing to tidy.
  }
}

/** Temp files of the same install's cache writes: a killed writer's stay behind. */
export function leftTemps(names: string[], file: string): string[] {
  return names.filter((name) => name.startsWith(installPrefix(file)) && WHOLE_TEMP_SUFFIX.test(name));
}

// The bundle is CommonJS; this is Node's own module wrapper, on a line of its own so that the
// bundle's line 1 stays line 1 (stack traces and source maps).
export const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';

/** bin/mtr.cjs kept NODE_EXTRA_CA_CERTS out of Node's start (it costs ~55 ms there); the processes mtr starts get it back. */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv): void {
  const saved = env.MTR_EXTRA_CA_CERTS;
  if (saved === undefined) return;
  delete env.MTR_EXTRA_CA_CERTS;
  env.NODE_EXTRA_CA_CERTS = saved;
}

export function boot(argv: string[]): void {
  restoreExtraCaCerts(process.env);
  const bundle = path.join(__dirname, 'mtr.cjs');
  // A debug run shows stack traces through the source maps, which Node 20 applies to require()d
  // files only, and only to those compiled after they were turned on: such a run has no cache.
  if (argv.includes('--debug') || process.env.MTR_DEBUG) {
    process.setSourceMapsEnabled(true);
    void (require(bundle) as { main: typeof Main }).main(argv);
    return;
  }
  // The bundle is ASCII (esbuild escapes the rest; scripts/build.mjs checks): read as latin1, which
  // is the same text without UTF-8 decoding (~4 ms of 1.2 MB). Its identity and its text come from
  // one open file, so a rebuild in between cannot pair one build's name with another's code.
  const fd = fs.openSync(bundle, 'r');
  let source: string;
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
    source = fs.readFileSync(fd, 'latin1');
  } finally {
    fs.closeSync(fd);
  }
  const dir = process.env.MTR_CODE_CACHE === '0' ? undefined : privateRuntimeDir(process.env);
  const file = dir && codeCacheFile(dir, { path: bundle, build: BUILD, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs }, process);
  const cachedData = file ? readOrUndefined(file) : undefined;
  const script = new vm.Script(`${WRAPPER_HEAD}${source}\n})`, { filename: bundle, lineOffset: -1, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as { main: typeof Main } };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  const stale = Boolean(file) && (!cachedData || script.cachedDataRejected === true);
  let saved = false;
  const startup: Startup = {
    saveCodeCache() {
      if (!stale || saved || !file) return;
      saved = true;
      writeCache(file, () => script.createCachedData());
    },
  };
  void module.exports.main(argv, startup);
}
