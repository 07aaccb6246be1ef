import { runGet } from '../../commands/get.js';
import { runSyncOnly } from '../../commands/sync-only.js';
import { getDocument } from '../../commands/json-records.js';
import { CancelledError } from '../../errors.js';
import type { ToolDef } from '../call.js';
import { getRequest, syncRequest } from '../requests.js';
import { syncRecord } from '../results.js';
import { planOne } from './plan.js';

// `sync` and `get`: the project up to the server, a file or folder down from it.

export const syncTool: ToolDef<'sync'> = {
  name: 'sync',
  description: "Sync the project to the server now (as before a run: rsync where it can, else SFTP; .gitignore and the config's excludes apply).",
  async handle(args, call) {
    const plan = await planOne(call, syncRequest(call.defaults, args.server));
    call.progress('syncing the project');
    const end = await runSyncOnly(call.ctx, plan);
    if (!end.stats) throw new CancelledError('the sync was stopped');
    return syncRecord(end.stats);
  },
};

export const getTool: ToolDef<'get'> = {
  name: 'get',
  description: 'Download a file or folder (relative to remote_dir) into `to` (default: download_dir, else the project folder), after a sync unless sync is false; as `mtr --get`.',
  async handle(args, call) {
    const plan = await planOne(call, getRequest(call.defaults, args));
    if (plan.sync.enabled) call.progress('syncing the project');
    const result = await runGet(call.ctx, plan);
    if (!result.download) throw new CancelledError('the download was stopped');
    call.progress('downloaded');
    return getDocument(result);
  },
};
