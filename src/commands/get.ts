import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import type { GetOptions } from '../options.js';
import { formatBytes } from '../ui/progress.js';
import { connectSession, prepareSession } from './session.js';
import { runSyncStep } from './sync-step.js';

// --get REMOTE [--to LOCAL]: sync (unless --no-sync), then download a file or directory.
// Destination: --to, else the server's download_dir, else the current directory.
export async function runGet(ctx: Context, options: GetOptions): Promise<void> {
  const session = await prepareSession(ctx, options);
  const { server } = session;
  const dest = options.to !== undefined ? path.resolve(ctx.cwd, options.to) : (server.downloadDir ?? ctx.cwd);
  const connection = await connectSession(session, ctx);
  try {
    if (options.sync !== false) {
      await runSyncStep(ctx, session, connection, { live: false, quiet: options.quiet, deleteRemote: options.deleteRemote });
    }
    const { downloadViaSftp, resolveRemotePath } = await import('../sync/download.js');
    if (options.to === undefined && server.downloadDir) fs.mkdirSync(server.downloadDir, { recursive: true });
    const result = await downloadViaSftp({
      client: await connection.ssh2(),
      remotePath: resolveRemotePath(server.remoteDir, options.remotePath),
      localDest: dest,
    });
    if (!options.quiet) {
      const shown = path.relative(ctx.cwd, result.localPath) || '.';
      ctx.stderr.write(`mtr: downloaded ${result.files} file${result.files === 1 ? '' : 's'} (${formatBytes(result.bytes)}) to ${shown}\n`);
    }
  } finally {
    connection.close();
  }
}
