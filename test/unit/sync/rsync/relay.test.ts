// The relay script runs for real under each shell rsync may start it with (`sh` is dash on Debian),
// with fds 3 and 4 handed to it as rsync hands them on.
import { spawn, spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseRelayHeader, RELAY_HEADER_MAX, RELAY_SCRIPT, relayRshCommand } from '../../../../src/sync/rsync/relay.js';

// Absolute paths: one test runs the relay with a PATH that has nothing on it.
const shells = ['sh', 'dash', 'bash']
  .map((shell) => spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).stdout.trim())
  .filter(Boolean);

function startRelay(shell: string, words: string[]) {
  const child = spawn(shell, ['-c', RELAY_SCRIPT, 'mtr-rsh', 'the-host', ...words], { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
  const data = child.stdio[3] as Readable & Writable;
  const status = child.stdio[4] as Writable;
  const fromRelay: Buffer[] = [];
  data.on('data', (chunk: Buffer) => fromRelay.push(chunk));
  const stdout: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const received = () => Buffer.concat(fromRelay);
  return { child, data, status, exited, received, stdout: () => Buffer.concat(stdout).toString() };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe.each(shells)('the relay script under %s', (shell) => {
  it('sends the remote command (words joined by spaces, as ssh sends them) then a NUL, and relays both ways', async () => {
    const relay = startRelay(shell, ['mkdir', '-p', "'/srv/a b'", '&&', 'rsync', '--server', '.', 'dir/']);
    await until(() => relay.received().includes(0));
    const header = parseRelayHeader(relay.received());
    expect(header).toEqual({ command: "mkdir -p '/srv/a b' && rsync --server . dir/", rest: Buffer.alloc(0) });
    relay.child.stdin.write('from rsync\n');
    await until(() => relay.received().toString().endsWith('from rsync\n'));
    relay.data.write('from the server\n');
    await until(() => relay.stdout() === 'from the server\n');
    relay.data.end();
    relay.status.end('23\n');
    expect(await relay.exited).toBe(23);
  });

  it('exits 255 when mtr goes away without a status, as ssh does when the link drops', async () => {
    const relay = startRelay(shell, ['rsync', '--server']);
    await until(() => relay.received().includes(0));
    relay.data.end();
    relay.status.end();
    expect(await relay.exited).toBe(255);
  });

  it('exits 255 rather than wait when its copy fails (no cat on PATH): rsync ends, nothing hangs', async () => {
    const child = spawn(shell, ['-c', RELAY_SCRIPT, 'mtr-rsh', 'host', 'rsync'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'], env: { PATH: '/nonexistent' } });
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(255);
  });

  it('exits 255 at once when fd 3 was not handed on (an rsync that closes descriptors)', async () => {
    const child = spawn(shell, ['-c', `exec 3>&- 4>&-; '${shell}' -c "$1" mtr-rsh host rsync`, 'outer', RELAY_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(255);
  });
});

describe('parseRelayHeader', () => {
  it('waits for the NUL, then splits the command from stream bytes that came with it', () => {
    expect(parseRelayHeader(Buffer.from('rsync --ser'))).toBeUndefined();
    expect(parseRelayHeader(Buffer.from('rsync --server .\0\x1e\x00\x00\x00'))).toEqual({ command: 'rsync --server .', rest: Buffer.from('\x1e\x00\x00\x00') });
  });

  it('refuses a header longer than any rsync command line', () => {
    expect(parseRelayHeader(Buffer.alloc(RELAY_HEADER_MAX + 1, 0x61))).toEqual({ tooLong: true });
  });
});

describe('relayRshCommand', () => {
  it('is one -e string rsync splits into sh, -c, the script, mtr-rsh (quotes doubled inside)', () => {
    const rsh = relayRshCommand();
    expect(rsh.startsWith("sh -c '")).toBe(true);
    expect(rsh.endsWith("' mtr-rsh")).toBe(true);
    expect(rsh).toContain("printf ''%s\\000''");
  });
});
