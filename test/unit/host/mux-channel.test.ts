import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MuxChannel } from '../../../src/host/mux-channel.js';

// A real process stands in for the mux ssh: its pipes and exit status are what the channel reports.
function run(script: string, masterAlive = true, onLost?: () => void) {
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const channel = new MuxChannel(child, async () => masterAlive, onLost);
  const out: string[] = [];
  const err: string[] = [];
  channel.stdout.on('data', (c: Buffer) => out.push(c.toString()));
  channel.stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const exits: unknown[] = [];
  channel.on('exit', (status, signal) => exits.push([status, signal]));
  const closed = new Promise<void>((resolve) => channel.once('close', resolve));
  return { channel, closed, result: () => ({ out: out.join(''), err: err.join(''), exits }) };
}

describe('MuxChannel', () => {
  it('passes stdin, stdout, stderr and the exit status through, exit before close', async () => {
    const { channel, closed, result } = run('read x; echo "out $x"; echo err >&2; exit 3');
    channel.stdin.end('in\n');
    await closed;
    expect(result()).toEqual({ out: 'out in\n', err: 'err\n', exits: [[3, undefined]] });
  });

  it('a 255 is the command\'s own while the master answers', async () => {
    const { channel, closed, result } = run('exit 255', true);
    channel.stdin.end();
    await closed;
    expect(result().exits).toEqual([[255, undefined]]);
  });

  it('a 255 from a master that is gone is no exit status: the link was lost', async () => {
    let lost = 0;
    const { channel, closed, result } = run('exit 255', false, () => lost++);
    channel.stdin.end();
    await closed;
    expect([result().exits, lost]).toEqual([[], 1]);
  });

  it('close() stops the command and closes at once, without an exit status', async () => {
    const { channel, closed, result } = run('exec sleep 30');
    channel.close();
    await closed;
    expect(result().exits).toEqual([]);
  });
});
