import path from 'node:path';
import type { SelectedServer } from '../config/select.js';
import type { ServerConfig } from '../config/types.js';
import type { SshHostPlan } from '../host/types.js';
import { defaultLogPath } from '../log.js';
import type { GlobalOptions } from '../options.js';
import { controlPathFor } from '../ssh/control.js';
import { resolveTarget } from '../ssh/target.js';
import type { PlanInputs } from './inputs.js';
import type { HostPlan, LogPlan, SyncPolicy } from './types.js';

// The parts every plan shares: how to reach a server, and where the debug log goes. Pure.

export interface HostChoice {
  /** false with --no-reuse; a server's `reuse: false` turns it off for that server too. */
  reuse: boolean;
}

// The shared connection's socket is named here, once: mtr's own commands ride it and rsync's ssh
// joins (or becomes) it, so both must see the same target.
export function planHost(selected: SelectedServer, inputs: PlanInputs, choice: HostChoice): HostPlan {
  const { server, chosenBy } = selected;
  const target = resolveTarget(server, inputs.ssh);
  const reuse = choice.reuse && server.reuse;
  if (!reuse || inputs.controlDir === undefined) return { server, chosenBy, target, reuse };
  const control = { path: controlPathFor(inputs.controlDir, target, inputs.credentialsOf(target)), idleSeconds: server.reuseIdle };
  return { server, chosenBy, target: { ...target, control }, reuse };
}

/** What host/open.ts is handed to reach this server: the plan's target (socket included) and reuse. */
export function sshHostPlan(host: HostPlan): SshHostPlan {
  return { kind: 'ssh', server: host.server.name, target: host.target, reuse: host.reuse };
}

/** What the sync step is told; deleting is --delete or the server's `delete: true`, decided only here. */
export function planSync(server: ServerConfig, choice: { enabled: boolean; deleteFlag: boolean; live: boolean; verbose: boolean }): SyncPolicy {
  return { enabled: choice.enabled, delete: choice.deleteFlag || server.delete, engine: server.sync, live: choice.live, verbose: choice.verbose };
}

export function planLog(options: Pick<GlobalOptions, 'enableLog' | 'logFile'>, projectRoot: string, inputs: PlanInputs): LogPlan {
  if (options.logFile) return { file: path.resolve(inputs.cwd, options.logFile) };
  if (options.enableLog) return { file: defaultLogPath(projectRoot, inputs.now, inputs.pid) };
  return {};
}

/** The cwd's place inside the project, as a POSIX path to append to remote_dir. */
export function projectSubdir(projectRoot: string, cwd: string): string {
  return path.relative(projectRoot, cwd).split(path.sep).join('/');
}
