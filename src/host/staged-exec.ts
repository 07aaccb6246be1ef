import { randomBytes } from 'node:crypto';
import { needsStaging, planStagedCommand } from '../remote/staged-command.js';
import type { ExecOptions, HostChannel } from './types.js';

// Every remote command mtr runs starts here. A command line too long for one exec argument is
// first written to a file on the server (one more exec, only then), then run from it.

/** A command line's first line, cut short: what a debug line says of a request. */
export function describeCommand(command: string, max = 80): string {
  const first = command.split('\n', 1)[0] ?? '';
  const more = first.length > max || first.length < command.length ? ' …' : '';
  return `${first.slice(0, max)}${more}`;
}

/** A host's own exec: one command line as it is. */
export type RawExec = (command: string, options: ExecOptions) => Promise<HostChannel>;

export async function execStaged(exec: RawExec, command: string, options: ExecOptions = {}): Promise<HostChannel> {
  if (!needsStaging(command)) return exec(command, options);
  const plan = planStagedCommand(command, randomBytes(8).toString('hex'));
  const upload = await exec(plan.upload, {});
  const failure = await new Promise<string | undefined>((resolve) => {
    let status: number | null = null;
    const said: Buffer[] = [];
    upload.on('exit', (s) => (status = s));
    upload.stdout.on('data', () => undefined);
    upload.stderr.on('data', (chunk: Buffer) => said.push(chunk));
    upload.on('close', () => {
      if (status === 0) return resolve(undefined);
      const detail = Buffer.concat(said).toString('utf8').trim().split('\n').slice(-2).join('; ');
      resolve(status === null ? 'the connection dropped' : `exit ${status}${detail ? `: ${detail}` : ''}`);
    });
    upload.stdin.end(plan.content);
  });
  if (failure) throw new Error(`could not write the ${plan.content.length}-byte command to ~/.mtr/stage on the server (${failure})`);
  return exec(plan.run, options);
}
