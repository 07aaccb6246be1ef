import type { ExecClient } from '../exec/exec-client.js';
import type { Client } from 'ssh2';
import { execCapture } from '../exec/capture.js';

// Asked through the same login shell that will run `--rsync-path`, so PATH is the one rsync will see.
export async function hasRemoteRsync(client: ExecClient): Promise<boolean> {
  const { code, stdout } = await execCapture(client, 'command -v rsync');
  return code === 0 && stdout.toString('utf8').trim() !== '';
}
