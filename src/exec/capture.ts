import type { ExecClient } from './exec-client.js';
import type { Client } from 'ssh2';
import { ConnectionError } from '../errors.js';
import { exitStatusFrom } from '../util/exit-status.js';
import { execCommand } from './staged-exec.js';

export interface Captured {
  /** Exit status (128+n for a signal); null when the link dropped first. */
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

// Runs a helper command over an open connection and collects its output: remote manifests,
// `command -v` probes, deletions. Not for user commands (those stream through runBatch).
export function execCapture(client: ExecClient, command: string, input?: Buffer | string): Promise<Captured> {
  return new Promise((resolve, reject) => {
    execCommand(client, command, {}, (error, channel) => {
      if (error) return reject(new ConnectionError(`could not run a remote helper command: ${error.message}`, undefined, error));
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let code: number | null = null;
      channel.on('data', (chunk: Buffer) => out.push(chunk));
      channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      channel.on('exit', (c: number | null, signal?: string) => {
        code = exitStatusFrom(c, signal);
      });
      channel.on('close', () => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
      channel.end(input);
    });
  });
}
