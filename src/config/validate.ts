import { z } from 'zod';
import { suggestKey } from '../util/suggest.js';
import { formatExcerpt } from '../util/excerpt.js';
import { checkRemoteDir } from '../remote/remote-path.js';
import { parseForwardSpec } from './forward-spec.js';
import { formatLocation, formatPath, type ConfigPath } from './parse.js';
import { SLURM_EXPECT, isExtraOption, isGpus, isMem, isPartition, isSlurmName, isSlurmTime } from './slurm-values.js';

// Each schema carries the plain-words expectation; the "got" part comes from the data itself.
const expect = (message: string) => ({ errorMap: () => ({ message }) });
const text = z.string(expect('a non-empty string')).min(1);
// Every remote_dir that cannot work is refused here, with its line, before anything connects.
const remoteDir = z.string(expect('a path on the server')).superRefine((value, ctx) => {
  const problem = checkRemoteDir(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

// Each entry of `forward:` is checked as --forward is, so a bad one is a config error with its line.
const FORWARD_SPEC = 'PORT, LOCAL:PORT or LOCAL:HOST:PORT (ports 1-65535; HOST a name or [IPv6] address)';
const forwardSpec = z.union([z.string(), z.number()], expect(FORWARD_SPEC)).superRefine((value, ctx) => {
  if (typeof parseForwardSpec(String(value)) === 'string') ctx.addIssue({ code: z.ZodIssueCode.custom, message: FORWARD_SPEC });
});

// `slurm:` makes a server a Slurm cluster's login node; numbers are accepted where Slurm takes them.
const checked = (test: (value: string) => boolean, message: string) =>
  z.union([z.string(), z.number()], expect(message)).superRefine((value, ctx) => {
    if (!test(String(value))) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
const wholeCount = (message: string) => z.number(expect(message)).int().min(1).max(100_000);
const slurmShape = {
  partition: checked(isPartition, SLURM_EXPECT.partition).optional(),
  gpus: checked(isGpus, SLURM_EXPECT.gpus).optional(),
  time: checked(isSlurmTime, SLURM_EXPECT.time).optional(),
  nodes: wholeCount(SLURM_EXPECT.nodes).optional(),
  cpus_per_task: wholeCount(SLURM_EXPECT.count).optional(),
  mem: checked(isMem, SLURM_EXPECT.mem).optional(),
  account: checked(isSlurmName, SLURM_EXPECT.name).optional(),
  qos: checked(isSlurmName, SLURM_EXPECT.name).optional(),
  extra: z.array(z.string(expect(SLURM_EXPECT.option)).refine(isExtraOption, { message: SLURM_EXPECT.option }), expect(SLURM_EXPECT.extra)).optional(),
};
const slurmSchema = z.object(slurmShape, expect('a mapping of Slurm settings (or {} for the cluster defaults)'));
export const SLURM_KEYS: readonly string[] = Object.keys(slurmShape);

const serverShape = {
  user: text.optional(),
  port: z.number(expect('an integer 1-65535')).int().min(1).max(65535).optional(),
  key_filename: text.optional(),
  password: z.string(expect('a string')).optional(),
  remote_dir: remoteDir.optional(),
  pre_cmd: z.string(expect('a string of shell code')).optional(),
  sync: z.enum(['rsync', 'sftp', 'auto'], expect('one of "rsync", "sftp", "auto"')).optional(),
  exclude: z.array(text, expect('a list of strings')).optional(),
  respect_gitignore: z.boolean(expect('true or false')).optional(),
  delete: z.boolean(expect('true or false')).optional(),
  download_dir: text.optional(),
  connect_timeout: z.number(expect('a positive number of seconds')).positive().finite().optional(),
  dead_link_timeout: z.number(expect('a whole number of seconds, at least 2')).int().min(2).max(86_400).optional(),
  kill_grace: z.number(expect('a number of seconds from 0.1 to 3600')).min(0.1).max(3600).optional(),
  strict_host_key_checking: z
    .enum(['ask', 'yes', 'accept-new'], expect('one of "ask", "yes", "accept-new"'))
    .optional(),
  known_hosts_file: text.optional(),
  reuse: z.boolean(expect('true or false')).optional(),
  reuse_idle: z.number(expect('a positive number of seconds')).positive().finite().optional(),
  forward: z.array(forwardSpec, expect('a list of forward specs (PORT, LOCAL:PORT or LOCAL:HOST:PORT)')).optional(),
  slurm: slurmSchema.optional(),
};
const settings = expect('a mapping of server settings');
const defaultsSchema = z.object(serverShape, settings);
const serverSchema = z.object(
  { host: z.string(expect('a host name or ~/.ssh/config alias')).min(1).optional(), ...serverShape },
  settings,
);
const fileSchema = z.object({
  default: z.string(expect('the name of a server or group')).optional(),
  groups: z
    .record(z.string(), z.array(text, expect('a list of server names')).min(1), expect('a mapping of group names to lists of servers'))
    .optional(),
  defaults: defaultsSchema.optional(),
  servers: z.record(z.string(), serverSchema, expect('a mapping of server names to settings')).optional(),
});

/** A config file after validation: snake_case, as written, nothing merged yet. */
export type ConfigFile = z.infer<typeof fileSchema>;
export type ServerFields = z.infer<typeof serverSchema>;

export const SERVER_KEYS: readonly string[] = Object.keys(serverSchema.shape);
const DEFAULTS_KEYS: readonly string[] = Object.keys(serverShape);
const TOP_KEYS: readonly string[] = Object.keys(fileSchema.shape);
const SERVER_NAME = /^[A-Za-z0-9_.-]+$/;

export interface ValidateOptions {
  /** The user config: servers, hosts and a matching `default` may be missing; they complete the project's. */
  partial?: boolean;
  /** Servers the user config defines with a host: they count as configured, and this file may omit their host. */
  otherServers?: readonly string[];
}

export type ValidationResult =
  | { ok: true; value: ConfigFile; warnings: string[] }
  | { ok: false; problems: string[]; warnings: string[] };

interface Finding {
  path: ConfigPath;
  message: string;
}

// Reports every problem at once, sorted by line, so one edit pass fixes the file.
export function validateConfig(
  data: unknown,
  lineOf: (path: ConfigPath) => number | undefined,
  file: string,
  options: ValidateOptions = {},
): ValidationResult {
  const format = (found: Finding[]): string[] =>
    found
      .map((f) => ({ line: lineOf(f.path), text: f.path.length ? `${formatPath(f.path)}: ${f.message}` : f.message }))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
      .map((f) => formatLocation(file, f.line) + f.text);
  const cleaned = dropNulls(data);
  if (!isRecord(cleaned)) {
    const message = `expected a mapping with a "servers" section, got ${describeValue(cleaned)}`;
    return { ok: false, problems: format([{ path: [], message }]), warnings: [] };
  }
  const warnings = format(findUnknownKeys(cleaned));
  const problems: Finding[] = checkAcrossFields(cleaned, options);
  const parsed = fileSchema.safeParse(cleaned);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const got = describeValue(valueAt(cleaned, issue.path));
      problems.push({ path: issue.path, message: `expected ${issue.message}, got ${got}` });
    }
  }
  if (parsed.success && problems.length === 0) return { ok: true, value: parsed.data, warnings };
  return { ok: false, problems: format(problems), warnings };
}

// Rules that span fields, checked on the raw data so they are reported even when types are wrong elsewhere.
function checkAcrossFields(data: Record<string, unknown>, options: ValidateOptions): Finding[] {
  const found: Finding[] = [];
  const servers = isRecord(data.servers) ? data.servers : undefined;
  const names = Object.keys(servers ?? {});
  const others = options.otherServers ?? [];
  if (!options.partial && data.servers === undefined) {
    found.push({ path: ['servers'], message: 'missing; add at least one server under "servers:"' });
  } else if (!options.partial && servers && names.length === 0) {
    found.push({ path: ['servers'], message: 'expected at least one server, got none' });
  }
  for (const name of names) {
    if (!SERVER_NAME.test(name)) {
      const message = `expected a server name of letters, digits, "_", "." or "-", got ${formatExcerpt(name)}`;
      found.push({ path: ['servers', name], message });
    }
    const server = servers?.[name];
    if (!options.partial && isRecord(server) && server.host === undefined && !others.includes(name)) {
      found.push({ path: ['servers', name, 'host'], message: 'missing (expected a host name or ~/.ssh/config alias)' });
    }
  }
  if (isRecord(data.defaults) && data.defaults.host !== undefined) {
    found.push({ path: ['defaults', 'host'], message: 'host cannot be a default; set it on each server' });
  }
  const configured = [...names, ...others.filter((n) => !names.includes(n))];
  const groups = isRecord(data.groups) ? data.groups : {};
  for (const [group, members] of Object.entries(groups)) {
    if (!SERVER_NAME.test(group)) {
      found.push({ path: ['groups', group], message: `expected a group name of letters, digits, "_", "." or "-", got ${formatExcerpt(group)}` });
    }
    if (names.includes(group)) {
      found.push({ path: ['groups', group], message: `"${group}" is already a server name; give the group another name` });
    }
    if (options.partial || !Array.isArray(members)) continue;
    members.forEach((member, index) => {
      if (typeof member === 'string' && configured.length > 0 && !configured.includes(member)) {
        found.push({ path: ['groups', group, index], message: `${formatExcerpt(member)} is not a configured server (configured: ${configured.join(', ')})` });
      }
    });
  }
  if (!options.partial && typeof data.default === 'string') {
    if (configured.length > 0 && !configured.includes(data.default) && !(data.default in groups)) {
      const list = configured.join(', ');
      const message = `${formatExcerpt(data.default)} is not a configured server (configured: ${list})`;
      found.push({ path: ['default'], message });
    }
  }
  return found;
}

function findUnknownKeys(data: Record<string, unknown>): Finding[] {
  const found: Finding[] = [];
  const check = (object: unknown, known: readonly string[], prefix: ConfigPath) => {
    if (!isRecord(object)) return;
    for (const key of Object.keys(object)) {
      if (known.includes(key) || (key === 'host' && prefix[0] === 'defaults')) continue;
      const hint = suggestKey(key, known);
      found.push({ path: [...prefix, key], message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}` });
    }
  };
  check(data, TOP_KEYS, []);
  check(data.defaults, DEFAULTS_KEYS, ['defaults']);
  if (isRecord(data.defaults)) check(data.defaults.slurm, SLURM_KEYS, ['defaults', 'slurm']);
  if (isRecord(data.servers)) {
    for (const [name, server] of Object.entries(data.servers)) {
      check(server, SERVER_KEYS, ['servers', name]);
      if (isRecord(server)) check(server.slurm, SLURM_KEYS, ['servers', name, 'slurm']);
    }
  }
  return found;
}

/** Plain words for what the file holds: `"seventy"`, `8.5`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return formatExcerpt(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

// An empty `key:` means "not set"; an empty server (`gpu:`) is still a server.
function dropNulls(data: unknown): unknown {
  if (!isRecord(data)) return data;
  const out = withoutNulls(data);
  if (isRecord(out.defaults)) out.defaults = withoutNulls(out.defaults);
  if (isRecord(out.servers)) {
    const servers = withoutNulls(out.servers, {});
    for (const [name, server] of Object.entries(servers)) if (isRecord(server)) servers[name] = withoutNulls(server);
    out.servers = servers;
  }
  return out;
}

function withoutNulls(object: Record<string, unknown>, replacement?: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    // A bare `slurm:` is `slurm: {}`: through the scheduler, cluster defaults.
    if (key === 'slurm' && value === null && replacement === undefined) out[key] = {};
    else if (isRecord(value) && key === 'slurm') out[key] = withoutNulls(value);
    else if (value !== null) out[key] = value;
    else if (replacement !== undefined) out[key] = replacement;
  }
  return out;
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let value = data;
  for (const segment of path) {
    value = isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
