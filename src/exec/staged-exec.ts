import { randomBytes } from 'node:crypto';
import type { ClientChannel, ExecOptions } from 'ssh2';
import { needsStaging, planStagedCommand } from '../remote/staged-command.js';
import type { ExecClient } from './exec-client.js';

// Opens channels: every remote command mtr runs starts here. A command line too long for one exec
// argument is first written to a file on the server (one more exec, only then), then run from it.

type ExecCallback = (error: Error | undefined, channel: ClientChannel) => void;

export function execCommand(client: ExecClient, command: string, options: ExecOptions, callback: ExecCallback): void {
  if (!needsStaging(command)) {
    client.exec(command, options, callback);
    return;
  }
  const plan = planStagedCommand(command, randomBytes(8).toString('hex'));
  client.exec(plan.upload, {}, (error, upload) => {
    if (error) return callback(error, upload);
    let code: number | null = null;
    const said: Buffer[] = [];
    upload.on('exit', (c: number | null) => {
      code = c;
    });
    upload.on('data', () => undefined);
    upload.stderr.on('data', (chunk: Buffer) => said.push(chunk));
    upload.on('close', () => {
      if (code !== 0) {
        const detail = Buffer.concat(said).toString('utf8').trim().split('\n').slice(-2).join('; ');
        const why = code === null ? 'the connection dropped' : `exit ${code}${detail ? `: ${detail}` : ''}`;
        return callback(new Error(`could not write the ${plan.content.length}-byte command to ~/.mtr/stage on the server (${why})`), upload);
      }
      client.exec(plan.run, options, callback);
    });
    upload.end(plan.content);
  });
}
