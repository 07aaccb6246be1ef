import { UsageError } from '../errors.js';
import type { LoadedConfig, ServerConfig } from './types.js';
import { suggestKey } from '../util/suggest.js';

// `"gpo": did you mean "gpu"?` when a configured name (or group) is one typo away.
function didYouMean(name: string, known: readonly string[]): string {
  const near = suggestKey(name, known);
  return near ? `: did you mean "${near}"?` : '';
}

/** Why a server was chosen: -s, --all, MTR_SERVER, `default:`, or the first in the file. */
export type ServerChoice = 'flag' | 'all' | 'env' | 'default' | 'first';

export interface SelectedServer {
  server: ServerConfig;
  chosenBy: ServerChoice;
}

export interface SelectOptions {
  /** `-s NAME` */
  flag?: string;
  env: NodeJS.ProcessEnv;
}

// The most explicit choice wins: -s, then MTR_SERVER, then `default:`, then the first server in the file.
function choose(config: LoadedConfig, options: SelectOptions): { spec: string; chosenBy: ServerChoice; fromEnv: string | undefined } {
  const fromEnv = options.env.MTR_SERVER || undefined;
  if (options.flag !== undefined) return { spec: options.flag, chosenBy: 'flag', fromEnv };
  if (fromEnv !== undefined) return { spec: fromEnv, chosenBy: 'env', fromEnv };
  if (config.defaultServer !== undefined) return { spec: config.defaultServer, chosenBy: 'default', fromEnv };
  const first = config.serverNames[0];
  if (first === undefined) throw new UsageError('no servers configured', `add one under "servers:" in ${config.configPath}`);
  return { spec: first, chosenBy: 'first', fromEnv };
}

export function selectServer(config: LoadedConfig, options: SelectOptions): SelectedServer {
  const { spec: name, chosenBy, fromEnv } = choose(config, options);
  const server = config.servers[name];
  if (server !== undefined) return { server, chosenBy };
  const hint =
    options.flag === undefined && fromEnv !== undefined
      ? `MTR_SERVER=${fromEnv} is set in your environment; unset it or name a configured server`
      : 'pick one of the configured servers with -s NAME';
  throw new UsageError(`unknown server "${name}"${didYouMean(name, config.serverNames)} (configured: ${config.serverNames.join(', ')})`, hint);
}

export interface SelectManyOptions extends SelectOptions {
  /** --all: every configured server. */
  all?: boolean;
}

// Fan-out choice: `-s a,b,group`, `--all`, or the single-server rules; groups expand in place,
// duplicates drop, order is kept.
export function selectServers(config: LoadedConfig, options: SelectManyOptions): SelectedServer[] {
  if (options.all) return config.serverNames.map((name) => ({ server: config.servers[name] as ServerConfig, chosenBy: 'all' }));
  const { spec, chosenBy, fromEnv } = choose(config, options);
  const names: string[] = [];
  for (const word of spec.split(',').map((w) => w.trim()).filter(Boolean)) {
    const members = config.groups[word] ?? [word];
    for (const name of members) if (!names.includes(name)) names.push(name);
  }
  const unknown = names.filter((name) => !(name in config.servers));
  if (unknown.length) {
    const groups = Object.keys(config.groups);
    const fromEnvOnly = options.flag === undefined && fromEnv !== undefined;
    throw new UsageError(
      `unknown server${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}${unknown.length === 1 ? didYouMean(unknown[0] as string, [...config.serverNames, ...groups]) : ''} (configured: ${config.serverNames.join(', ')}${groups.length ? `; groups: ${groups.join(', ')}` : ''})`,
      fromEnvOnly
        ? `MTR_SERVER=${fromEnv} is set in your environment; unset it or name a configured server or group`
        : 'name configured servers or groups with -s a,b or -s GROUP, or use --all',
    );
  }
  if (!names.length) throw new UsageError('-s names no server', 'e.g. -s gpu1,gpu2');
  return names.map((name) => ({ server: config.servers[name] as ServerConfig, chosenBy }));
}
