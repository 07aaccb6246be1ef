import { UsageError } from '../errors.js';
import type { LoadedConfig, ServerConfig } from './types.js';

export interface SelectOptions {
  /** `-s NAME` */
  flag?: string;
  env: NodeJS.ProcessEnv;
}

// The most explicit choice wins: -s, then MTR_SERVER, then `default:`, then the first server in the file.
export function selectServer(config: LoadedConfig, options: SelectOptions): ServerConfig {
  const fromEnv = options.env.MTR_SERVER || undefined;
  const name = options.flag ?? fromEnv ?? config.defaultServer ?? config.serverNames[0];
  if (name === undefined) {
    throw new UsageError('no servers configured', `add one under "servers:" in ${config.configPath}`);
  }
  const server = config.servers[name];
  if (server !== undefined) return server;
  const hint =
    options.flag === undefined && fromEnv !== undefined
      ? `MTR_SERVER=${fromEnv} is set in your environment; unset it or name a configured server`
      : 'pick one of the configured servers with -s NAME';
  throw new UsageError(`unknown server "${name}" (configured: ${config.serverNames.join(', ')})`, hint);
}
