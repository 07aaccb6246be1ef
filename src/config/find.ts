import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

export const CONFIG_DIR = '.mtr';
export const CONFIG_FILE = 'config.yaml';

/** What stands at a `.mtr/config.yaml` path. */
export type ConfigProbe =
  | { kind: 'file' }
  | { kind: 'absent' }
  | { kind: 'directory' }
  | { kind: 'special' }
  | { kind: 'dangling-link'; target: string }
  | { kind: 'link-loop' }
  | { kind: 'no-access' };

// Walks up like git does, so `mtr` works from any subfolder of the project. A `.mtr/config.yaml`
// that is there but cannot be read as a file (a folder, a `.mtr/` that cannot be entered) is this
// project's config gone wrong: the walk stops there with what is wrong, never "no config found".
export function findConfig(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, CONFIG_DIR, CONFIG_FILE);
    const probe = probeConfigPath(candidate);
    if (probe.kind === 'file') return candidate;
    if (probe.kind !== 'absent') throw describeConfigPathProblem(probe, candidate, cwd);
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function probeConfigPath(file: string): ConfigProbe {
  try {
    const stats = fs.statSync(file);
    if (stats.isFile()) return { kind: 'file' };
    return stats.isDirectory() ? { kind: 'directory' } : { kind: 'special' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return { kind: 'no-access' };
    if (code === 'ELOOP') return { kind: 'link-loop' };
    if (code !== 'ENOENT') return { kind: 'absent' };
    try {
      return { kind: 'dangling-link', target: fs.readlinkSync(file) };
    } catch {
      return { kind: 'absent' };
    }
  }
}

/** The usage error for a config path that exists but cannot be used: what is wrong, and the fix. */
export function describeConfigPathProblem(probe: Exclude<ConfigProbe, { kind: 'file' | 'absent' }>, file: string, cwd: string): UsageError {
  const shown = formatFilePath(file, cwd);
  const mtrDir = formatFilePath(path.dirname(file), cwd);
  switch (probe.kind) {
    case 'directory':
      return new UsageError(`${shown} is a folder, not a file`, `remove or rename that folder, then run \`mtr --init\` there to write a config file`);
    case 'special':
      return new UsageError(`${shown} is not a regular file (a FIFO, socket or device)`, 'replace it with a YAML file; `mtr --init --force` writes one');
    case 'dangling-link':
      return new UsageError(`${shown} is a symlink to ${probe.target}, which does not exist`, 'point the link at your config file, or replace it with one (`mtr --init --force`)');
    case 'link-loop':
      return new UsageError(`${shown} is a symlink that leads back to itself`, 'replace the link with your config file');
    case 'no-access':
      return new UsageError(`cannot look inside ${mtrDir}/ (permission denied), so its config.yaml cannot be read`, `give yourself access: \`chmod u+rwx ${mtrDir}\``);
  }
}

/** The folder holding `.mtr/` for a config path returned by findConfig. */
export function getProjectRoot(configPath: string): string {
  return path.dirname(path.dirname(configPath));
}

// XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
export function resolveUserConfigPath(env: NodeJS.ProcessEnv, homedir: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir, '.config');
  return path.join(base, 'mtr', CONFIG_FILE);
}

// Messages name files the way the user would type them: relative inside cwd, `~/…` inside home.
export function formatFilePath(file: string, cwd: string, homedir?: string): string {
  const fromCwd = path.relative(cwd, file);
  if (fromCwd !== '' && !fromCwd.startsWith('..') && !path.isAbsolute(fromCwd)) return fromCwd;
  if (homedir) {
    const fromHome = path.relative(homedir, file);
    if (fromHome !== '' && !fromHome.startsWith('..') && !path.isAbsolute(fromHome)) {
      return `~/${fromHome.split(path.sep).join('/')}`;
    }
  }
  return file;
}
