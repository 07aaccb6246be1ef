import fs from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.js';
import { ConfigError, UsageError } from '../errors.js';
import { findConfig, formatFilePath, getProjectRoot, resolveUserConfigPath } from './find.js';
import { normalizeConfig, type ConfigSource } from './normalize.js';
import { parseYamlWithPositions } from './parse.js';
import { decodeConfigText, MAX_CONFIG_BYTES } from './text.js';
import type { LoadedConfig } from './types.js';
import { validateConfig, type ValidateOptions } from './validate.js';

// find → read → parse → validate → normalize, for the project config and the optional user config.
export async function loadConfig(ctx: Context): Promise<LoadedConfig> {
  const configPath = findConfig(ctx.cwd);
  if (configPath === undefined) {
    const message = `no .mtr/config.yaml found in ${ctx.cwd} or any parent folder`;
    throw new UsageError(message, 'run `mtr --init` to create one');
  }
  const projectRoot = getProjectRoot(configPath);
  const userPath = resolveUserConfigPath(ctx.env, ctx.homedir);
  const userText = await readConfigText(userPath, ctx, { optional: true });
  const user =
    userText === undefined
      ? undefined
      : checkConfigText(userText, userPath, path.dirname(userPath), ctx, { partial: true });
  const otherServers = Object.entries(user?.value.servers ?? {})
    .filter(([, server]) => server.host !== undefined)
    .map(([name]) => name);
  const projectText = (await readConfigText(configPath, ctx, { optional: false })) ?? '';
  const project = checkConfigText(projectText, configPath, projectRoot, ctx, { otherServers });
  return normalizeConfig({ project, user, projectRoot, configPath, homedir: ctx.homedir });
}

function checkConfigText(
  text: string,
  absPath: string,
  baseDir: string,
  ctx: Context,
  options: ValidateOptions,
): ConfigSource {
  const file = formatFilePath(absPath, ctx.cwd, ctx.homedir);
  const { data, lineOf } = parseYamlWithPositions(text, file);
  const result = validateConfig(data, lineOf, file, options);
  // Unknown keys often explain the error (a typo in `host`), so they are shown with it.
  if (!result.ok) throw new ConfigError([...result.problems, ...result.warnings]);
  return { value: result.value, file, baseDir, lineOf, warnings: result.warnings };
}

// Bytes first: a file that is not small UTF-8 text is named as such before any YAML parser sees it.
async function readConfigText(file: string, ctx: Context, options: { optional: boolean }): Promise<string | undefined> {
  const shown = formatFilePath(file, ctx.cwd, ctx.homedir);
  const fix = options.optional ? `write it as YAML text, or remove it` : 'write it as YAML text; `mtr --init --force` replaces it with a commented template';
  let bytes: Buffer;
  try {
    const stats = await fs.stat(file);
    if (!stats.isFile()) throw Object.assign(new Error('not a regular file'), { code: stats.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
    if (stats.size > MAX_CONFIG_BYTES) {
      throw new UsageError(`${shown} is ${(stats.size / 1e6).toFixed(1)} MB; a config file is a few KB of YAML`, `check that it is the right file; ${fix}`);
    }
    bytes = await fs.readFile(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (options.optional && code === 'ENOENT') return undefined;
    throw describeReadFailure(error, code, shown, file);
  }
  return decodeConfigText(bytes, shown, fix);
}

function describeReadFailure(error: unknown, code: string | undefined, shown: string, file: string): UsageError {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`cannot read ${shown}: permission denied`, `give yourself read access: \`chmod u+r ${file}\``, error);
    case 'EISDIR':
      return new UsageError(`${shown} is a folder, not a file`, 'remove or rename that folder, or put a YAML file there', error);
    case 'ENOTFILE':
      return new UsageError(`${shown} is not a regular file (a FIFO, socket or device)`, 'replace it with a YAML file', error);
    case 'ENOENT':
      return new UsageError(`${shown} disappeared while mtr was reading it`, 'run again', error);
    default: {
      const reason = error instanceof Error ? error.message : String(error);
      return new UsageError(`cannot read ${shown}: ${reason}`, undefined, error);
    }
  }
}
