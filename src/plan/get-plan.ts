import path from 'node:path';
import { selectServer } from '../config/select.js';
import type { LoadedConfig } from '../config/types.js';
import type { GetOptions } from '../options.js';
import { joinRemotePath } from '../remote/remote-path.js';
import type { PlanInputs } from './inputs.js';
import { planHost, planLog, planSync } from './host-plan.js';
import type { GetPlan } from './types.js';

// --get REMOTE [--to LOCAL]: the sync first (unless --no-sync), then the download. The destination
// is --to, else the server's download_dir, else the current directory; a relative remote path is
// below remote_dir.
export function planGet(options: GetOptions, config: LoadedConfig, inputs: PlanInputs): GetPlan {
  const host = planHost(selectServer(config, { flag: options.server, env: inputs.env }), inputs, { reuse: options.reuse });
  const { server } = host;
  const dest =
    options.to !== undefined
      ? { path: path.resolve(inputs.cwd, options.to), into: options.to.endsWith('/') }
      : { path: server.downloadDir ?? inputs.cwd, into: true };
  return {
    action: 'get',
    projectRoot: config.projectRoot,
    log: planLog(options, config.projectRoot, inputs),
    debug: options.debug,
    host,
    sync: planSync(server, { enabled: options.sync !== false, deleteFlag: options.deleteRemote, live: false, verbose: options.verbose }),
    remotePath: options.remotePath,
    source: joinRemotePath(server.remoteDir, options.remotePath),
    dest,
    ...(options.to === undefined && server.downloadDir ? { makeDir: server.downloadDir } : {}),
    quiet: options.quiet,
    dryRun: options.dryRun,
    agent: Boolean(inputs.env.SSH_AUTH_SOCK),
  };
}
