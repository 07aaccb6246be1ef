import fs from 'node:fs';
import path from 'node:path';

export const CONFIG_DIR = '.mtr';
export const CONFIG_FILE = 'config.yaml';

// Walks up like git does, so `mtr` works from any subfolder of the project.
export function findConfig(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, CONFIG_DIR, CONFIG_FILE);
    if (isFile(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
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

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
