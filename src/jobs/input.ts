import { ConnectionError, UsageError } from '../errors.js';
import type { HostCapture } from '../host/types.js';
import { INPUT_STATUS, buildKeysScript, buildScreenScript, buildSendScript, type ScreenOptions } from '../remote/job-input.js';
import { parseScreenReply, type ScreenReply } from './screen-text.js';

// Drives a job's terminal: type text, press keys, read the screen. The name has been looked up
// (it exists); what the scripts report back becomes a typed error with its fix.

/** The server the job runs on: its name, and whether it is a Slurm cluster (no terminal jobs there). */
export interface InputServer {
  name: string;
  cluster: boolean;
}

function check(code: number | null, name: string, target: InputServer, stderr: Buffer): void {
  const server = target.name;
  if (code === 0) return;
  if (code === null) throw new ConnectionError(`the connection to ${server} dropped; nothing more was sent to job ${name}`);
  if (code === INPUT_STATUS.noJob) throw new UsageError(`no job named ${name} on ${server}`, 'see `mtr --jobs`');
  if (code === INPUT_STATUS.noTerminal) {
    if (target.cluster) {
      throw new UsageError(`job ${name} has no terminal to type into: a job on Slurm server ${server} is a batch job (sbatch)`, `for an interactive program run \`mtr -s ${server} CMD\` at a terminal (srun --pty)`);
    }
    throw new UsageError(`job ${name} has no terminal to type into`, 'start it with `mtr -d --tty --name NAME CMD…` (or use `mtr --session NAME CMD…`)');
  }
  if (code === INPUT_STATUS.ended) throw new UsageError(`job ${name} has ended; it takes no more input`, `see its output with \`mtr --logs ${name}\``);
  const detail = stderr.toString('utf8').trim().split('\n').slice(-2).join('; ');
  throw new UsageError(`tmux on ${server} could not send to job ${name}${detail ? `: ${detail}` : ''}`);
}

export async function sendText(host: HostCapture, name: string, server: InputServer, text: string, enter: boolean): Promise<void> {
  const result = await host.capture(buildSendScript(name, text, enter));
  check(result.code, name, server, result.stderr);
}

/** `tmuxKeys`: checked and spelled by job-keys.ts. */
export async function sendKeys(host: HostCapture, name: string, server: InputServer, tmuxKeys: readonly string[]): Promise<void> {
  const result = await host.capture(buildKeysScript(name, tmuxKeys));
  check(result.code, name, server, result.stderr);
}

export async function readScreen(host: HostCapture, name: string, server: InputServer, options: ScreenOptions): Promise<ScreenReply> {
  const result = await host.capture(buildScreenScript(name, options));
  check(result.code, name, server, result.stderr);
  const reply = parseScreenReply(result.stdout.toString('utf8'), options.ansi);
  if (!reply) throw new UsageError(`could not read the screen of job ${name} on ${server.name}`);
  return reply;
}
