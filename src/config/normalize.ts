import path from 'node:path';
import { ConfigError } from '../errors.js';
import { anchorRemotePath } from '../remote/remote-path.js';
import { parseForwardSpec, type ForwardSpec } from './forward-spec.js';
import { formatLocation, type ConfigPath } from './parse.js';
import { DEFAULT_DEAD_LINK_TIMEOUT, type LoadedConfig, type ServerConfig } from './types.js';
import type { SlurmConfig } from './slurm-values.js';
import type { ConfigFile, ServerFields } from './validate.js';

/** One validated config file and what is needed to resolve and report on it. */
export interface ConfigSource {
  value: ConfigFile;
  /** The file as shown in messages. */
  file: string;
  /** Folder that relative local paths resolve against. */
  baseDir: string;
  lineOf: (path: ConfigPath) => number | undefined;
  /** Findings from validation, already formatted. */
  warnings?: readonly string[];
}

export interface NormalizeInput {
  project: ConfigSource;
  /** ~/.config/mtr/config.yaml, when present. */
  user?: ConfigSource;
  projectRoot: string;
  configPath: string;
  homedir: string;
}

export const SERVER_DEFAULTS = {
  sync: 'auto',
  respectGitignore: true,
  delete: false,
  connectTimeout: 15,
  deadLinkTimeout: DEFAULT_DEAD_LINK_TIMEOUT,
  strictHostKeyChecking: 'ask',
  reuse: true,
  reuseIdle: 600,
} as const;

const LOCAL_PATH_KEYS = ['key_filename', 'download_dir', 'known_hosts_file'] as const;

// Most specific wins, lowest first: user defaults < user server < project defaults < project server.
// `exclude` lists are joined instead, so each level can only add to what is skipped.
export function normalizeConfig(input: NormalizeInput): LoadedConfig {
  const { project, user, homedir } = input;
  const layersFor = (name: string): ServerFields[] =>
    [user, project].flatMap((source) =>
      source
        ? [
            resolveLayer(source.value.defaults, source.baseDir, homedir),
            resolveLayer(source.value.servers?.[name], source.baseDir, homedir),
          ]
        : [],
    );
  const projectNames = Object.keys(project.value.servers ?? {});
  // A user server without a host only completes a project server of the same name.
  const userNames = Object.entries(user?.value.servers ?? {})
    .filter(([name, server]) => server.host !== undefined && !projectNames.includes(name))
    .map(([name]) => name);
  const serverNames = [...projectNames, ...userNames];
  const servers: Record<string, ServerConfig> = {};
  const missingHost: string[] = [];
  for (const name of serverNames) {
    const merged = mergeLayers(layersFor(name));
    if (merged.host === undefined) {
      const at = formatLocation(project.file, project.lineOf(['servers', name]));
      missingHost.push(`${at}servers.${name}.host: missing (expected a host name or ~/.ssh/config alias)`);
      continue;
    }
    servers[name] = buildServerConfig(name, merged.host, merged, input.projectRoot);
  }
  if (missingHost.length > 0) throw new ConfigError(missingHost);

  const warnings = [...(user?.warnings ?? []), ...(project.warnings ?? [])];
  let defaultServer = project.value.default;
  const userDefault = user?.value.default;
  if (user && defaultServer === undefined && userDefault !== undefined) {
    if (serverNames.includes(userDefault)) defaultServer = userDefault;
    else {
      const at = formatLocation(user.file, user.lineOf(['default']));
      warnings.push(`${at}default: "${userDefault}" is not a server in this project; ignored`);
    }
  }
  const { projectRoot, configPath } = input;
  // Groups: the user's and the project's, the project's winning on the same name; members must exist here.
  const groups: Record<string, string[]> = {};
  for (const source of [user, project]) {
    for (const [group, members] of Object.entries(source?.value.groups ?? {})) {
      const usable = members.filter((member) => member in servers);
      if (usable.length === members.length) groups[group] = [...members];
      else if (source === user) warnings.push(`${formatLocation(user!.file, user!.lineOf(['groups', group]))}groups.${group}: names servers not in this project; ignored`);
    }
  }
  return { projectRoot, configPath, serverNames, servers, defaultServer, groups, warnings };
}

/** `~` and `~/x` use homedir; relative paths resolve against baseDir. Only for LOCAL paths. */
export function expandLocalPath(file: string, baseDir: string, homedir: string): string {
  if (file === '~') return homedir;
  if (file.startsWith('~/')) return path.join(homedir, file.slice(2));
  return path.resolve(baseDir, file);
}

/** Where the project lives on the server when remote_dir is not set: `~/mtr/<project folder name>`. */
export function getDefaultRemoteDir(projectRoot: string): string {
  return `~/mtr/${path.basename(projectRoot) || 'project'}`;
}

function resolveLayer(layer: ServerFields | undefined, baseDir: string, homedir: string): ServerFields {
  const out: ServerFields = { ...layer };
  for (const key of LOCAL_PATH_KEYS) {
    const value = out[key];
    if (value !== undefined) out[key] = expandLocalPath(value, baseDir, homedir);
  }
  return out;
}

function mergeLayers(layers: readonly ServerFields[]): ServerFields {
  const merged: ServerFields = {};
  const exclude: string[] = [];
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      // `slurm:` merges key by key, so a server can change one setting of the defaults' block.
      if (key === 'slurm' && value !== undefined) merged.slurm = { ...merged.slurm, ...(value as object) };
      else if (value !== undefined && key !== 'exclude') Object.assign(merged, { [key]: value });
    }
    for (const pattern of layer.exclude ?? []) if (!exclude.includes(pattern)) exclude.push(pattern);
  }
  return { ...merged, exclude };
}

function buildServerConfig(name: string, host: string, fields: ServerFields, projectRoot: string): ServerConfig {
  return {
    name,
    host,
    user: fields.user,
    port: fields.port,
    keyFilename: fields.key_filename,
    password: fields.password,
    // One spelling (`~`, `~/x`, `/x`) for every engine and the run: relative means below the home.
    remoteDir: anchorRemotePath(fields.remote_dir ?? getDefaultRemoteDir(projectRoot)),
    preCmd: fields.pre_cmd,
    sync: fields.sync ?? SERVER_DEFAULTS.sync,
    exclude: fields.exclude ?? [],
    respectGitignore: fields.respect_gitignore ?? SERVER_DEFAULTS.respectGitignore,
    delete: fields.delete ?? SERVER_DEFAULTS.delete,
    downloadDir: fields.download_dir,
    connectTimeout: fields.connect_timeout ?? SERVER_DEFAULTS.connectTimeout,
    deadLinkTimeout: fields.dead_link_timeout ?? SERVER_DEFAULTS.deadLinkTimeout,
    ...(fields.kill_grace === undefined ? {} : { killGrace: fields.kill_grace }),
    strictHostKeyChecking: fields.strict_host_key_checking ?? SERVER_DEFAULTS.strictHostKeyChecking,
    reuse: fields.reuse ?? SERVER_DEFAULTS.reuse,
    reuseIdle: fields.reuse_idle ?? SERVER_DEFAULTS.reuseIdle,
    knownHostsFile: fields.known_hosts_file,
    ...(fields.slurm === undefined ? {} : { slurm: buildSlurmConfig(fields.slurm) }),
    ...(fields.forward?.length ? { forwards: fields.forward.map((entry) => parseForwardSpec(String(entry))).filter((spec): spec is ForwardSpec => typeof spec !== 'string') } : {}),
  };
}

function buildSlurmConfig(fields: NonNullable<ServerFields['slurm']>): SlurmConfig {
  const text = (value: string | number | undefined) => (value === undefined ? undefined : String(value));
  const entries: Partial<SlurmConfig> = {
    partition: text(fields.partition),
    gpus: text(fields.gpus),
    time: text(fields.time),
    nodes: fields.nodes,
    cpusPerTask: fields.cpus_per_task,
    mem: text(fields.mem),
    account: text(fields.account),
    qos: text(fields.qos),
  };
  const set = Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  return { ...set, extra: [...(fields.extra ?? [])] };
}
