import { ConnectionError } from '../errors.js';
import type { Captured, HostChannel, HostExec } from './types.js';

// Host.capture for every kind of host: a helper command's whole output (remote manifests,
// `command -v` probes, deletions). Not for user commands (those stream through exec/batch.ts).

export async function captureWith(host: HostExec, command: string, input?: Buffer | string): Promise<Captured> {
  let channel: HostChannel;
  try {
    channel = await host.exec(command);
  } catch (error) {
    throw new ConnectionError(`could not run a remote helper command: ${(error as Error).message}`, undefined, error);
  }
  return collect(channel, input);
}

function collect(channel: HostChannel, input?: Buffer | string): Promise<Captured> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | null = null;
    channel.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    channel.on('exit', (status) => (code = status));
    channel.on('close', () => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    channel.stdin.end(input);
  });
}
