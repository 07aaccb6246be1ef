import fs from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.js';
import { ConfigError, UsageError } from '../errors.js';
import { findConfig, formatFilePath, getProjectRoot, resolveUserConfigPath } from './find.js';
import { normalizeConfig, type ConfigSource } from './normalize.js';
import { parseYamlWithPositions } from './parse.js';
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

async function readConfigText(file: string, ctx: Context, options: { optional: boolean }): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (options.optional && code === 'ENOENT') return undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read ${formatFilePath(file, ctx.cwd, ctx.homedir)}: ${reason}`, undefined, error);
  }
}
