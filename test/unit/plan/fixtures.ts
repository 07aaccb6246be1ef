// A config and environment facts for the planner's tables: nothing here reads the machine.
import type { LoadedConfig, ServerConfig } from '../../../src/config/types.js';
import type { GlobalOptions, RunOptions } from '../../../src/options.js';
import type { PlanInputs } from '../../../src/plan/inputs.js';

export const server = (name: string, extra: Partial<ServerConfig> = {}): ServerConfig => ({
  name,
  host: `${name}.example.com`,
  user: 'me',
  remoteDir: '~/mtr/proj',
  sync: 'auto',
  exclude: [],
  respectGitignore: true,
  delete: false,
  connectTimeout: 15,
  strictHostKeyChecking: 'ask',
  reuse: true,
  reuseIdle: 600,
  deadLinkTimeout: 30,
  ...extra,
});

export function config(servers: ServerConfig[], extra: Partial<LoadedConfig> = {}): LoadedConfig {
  return {
    projectRoot: '/home/me/proj',
    configPath: '/home/me/proj/.mtr/config.yaml',
    serverNames: servers.map((s) => s.name),
    servers: Object.fromEntries(servers.map((s) => [s.name, s])),
    groups: {},
    warnings: [],
    ...extra,
  };
}

export function inputs(extra: Partial<PlanInputs> = {}): PlanInputs {
  return {
    cwd: '/home/me/proj',
    env: {},
    terminal: { stdin: false, stdout: false, stderr: false, cols: 120, rows: 40 },
    stdinIsData: false,
    ssh: { homedir: '/home/me', localUser: 'me' },
    controlDir: '/run/user/1000/mtr',
    credentialsOf: () => 'creds',
    now: new Date('2026-01-02T03:04:05Z'),
    pid: 4242,
    jobId: 'abc123',
    ...extra,
  };
}

/** A TTY on stdin, stdout and stderr. */
export const atTerminal = { stdin: true, stdout: true, stderr: true, cols: 120, rows: 40 };

export const globals: GlobalOptions = { reuse: true, debug: false, enableLog: false };

export function runOptions(extra: Partial<RunOptions> = {}): RunOptions {
  return { ...globals, dryRun: false, detach: false, deleteRemote: false, quiet: false, verbose: false, command: ['python', 'train.py'], ...extra };
}
