// Errors no code path awaits: a throw in a callback, a rejected promise nobody holds, a failed
// background start of the shared connection. They end the run through the same formatter as every
// other error (one message, exit code 1, no stack unless --debug; the stack goes to the debug log),
// or, for the background start, only into the debug log.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MTR_BIN, REPO_ROOT, makeProject, spawnProcess, type RunResult } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const PRELOAD = path.join(REPO_ROOT, 'test', 'support', 'stray-error.cjs');
const BUG = 'mtr: internal error: stray boom\n  This is a bug; please report it (run with --debug for details).\n';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A TCP server that accepts and never speaks: an mtr connecting to it stays busy until its timeout. */
async function startSilentServer(onConnection: () => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

// A project whose server never answers (connect_timeout 60 s: the run ends by the stray error, long
// before), and the built mtr run there with the stray error preloaded, set off once mtr connects.
async function runWithStrayError(kind: 'throw' | 'reject', args: string[]): Promise<{ result: RunResult; root: string }> {
  let setOff = () => undefined as unknown;
  const port = await startSilentServer(() => setOff());
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-stray-'));
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, '.mtr'));
  fs.writeFileSync(path.join(root, '.mtr', 'config.yaml'), `servers:\n  silent:\n    host: 127.0.0.1\n    port: ${port}\n    connect_timeout: 60\n    remote_dir: /srv/never\n`);
  const running = spawnProcess(process.execPath, ['--require', PRELOAD, MTR_BIN, ...args, '--no-sync', 'true'], {
    cwd: root,
    env: { MTR_TEST_STRAY: kind },
    timeoutMs: 30_000,
  });
  setOff = () => running.child.kill('SIGUSR2');
  return { result: await running.result, root };
}

describe('a throw in a callback, a promise nobody awaits', () => {
  it.for(['throw', 'reject'] as const)('%s: the internal-error message, exit 1, no stack, and the run ends at once', async (kind) => {
    const { result } = await runWithStrayError(kind, []);
    expect({ code: result.code, signal: result.signal, timedOut: result.timedOut, stdout: result.stdout, stderr: result.stderr }).toEqual({
      code: 1,
      signal: null,
      timedOut: false,
      stdout: '',
      stderr: BUG,
    });
  });

  it('--debug shows the stack', async () => {
    const { result } = await runWithStrayError('reject', ['--debug']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mtr: internal error: stray boom\nTypeError: stray boom\n\s+at .*stray-error\.cjs:\d+/);
  });

  it('the debug log gets the stack; the terminal only the message', async () => {
    const { result, root } = await runWithStrayError('throw', ['--log-file', 'debug.log']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: BUG });
    expect(fs.readFileSync(path.join(root, 'debug.log'), 'utf8')).toMatch(/ended with exit 1: TypeError: stray boom\n\s+at .*stray-error\.cjs:\d+/);
  });
});

describeE2E('a background start of the shared connection that fails', (sshd) => {
  it('is only a line in the debug log: the run ends as it would, no stack, no crash', async () => {
    // ssh options cannot carry a double quote: building the master's ssh command throws, after the run.
    const dir = fs.mkdtempSync(path.join(sshd.localRoot, 'stray-'));
    const knownHosts = path.join(dir, 'known"hosts');
    fs.writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    const p = makeProject({ sshd, servers: { test: { known_hosts_file: knownHosts } } });
    const result = await p.run(['--no-sync', '--log-file', 'debug.log', 'echo', 'ran']);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'ran\n', stderr: '' });
    expect(fs.readFileSync(path.join(p.root, 'debug.log'), 'utf8')).toContain('no shared connection started: UsageError: known_hosts path');
  });
});
