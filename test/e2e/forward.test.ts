// --forward and `forward:` end to end: a real HTTP server on the "server" side (this machine's
// loopback, as the test sshd sees it) reached through the local port the built mtr holds, for as
// long as the run lasts or, alone, until SIGINT; a port in use stops everything before it starts.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type Running } from '../support/mtr.js';
import { JOBS_DIR, describeE2E } from '../support/sshd.js';
import { sleep } from '../support/eventually.js';

async function poll<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

// A port that was free a moment ago (the kernel's pick).
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const get = async (port: number): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${port}/hello`, { signal: AbortSignal.timeout(5000) });
  return response.text();
};

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

// A remote command that lasts until the test creates `flag` (the server is this machine).
const waitFor = (flag: string) => ['python3', '-c', `import os, time\nwhile not os.path.exists(${JSON.stringify(flag)}): time.sleep(0.1)`];

const stderrOf = (running: Running) => {
  let text = '';
  running.child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return () => text;
};

describeE2E('port forwards: --forward and forward:', (sshd) => {
  let server: http.Server;
  let remotePort = 0;
  const flags: string[] = [];
  const newFlag = () => {
    const flag = path.join(sshd.remoteRoot, `forward-flag-${randomBytes(4).toString('hex')}`);
    flags.push(flag);
    return flag;
  };

  beforeAll(async () => {
    server = http.createServer((request, response) => response.end(`served ${request.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    remotePort = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const flag of flags) fs.rmSync(flag, { force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a run holds --forward LOCAL:HOST:PORT while it lasts; the port closes when mtr exits', async () => {
    const project = makeProject({ sshd, createRemoteDir: true });
    const local = await freePort();
    const flag = newFlag();
    const running = project.spawn(['--no-sync', '--forward', `${local}:127.0.0.1:${remotePort}`, ...waitFor(flag)], { timeoutMs: 60_000 });
    expect(await poll('the forward to answer', () => get(local))).toBe('served /hello');
    fs.writeFileSync(flag, '');
    const result = await running.result;
    expect(result.code, result.stderr).toBe(0);
    expect(await refused(local)).toBe(true);
  });

  it('`mtr --forward SPEC` alone says what it holds and holds it until SIGINT (exit 0)', async () => {
    const project = makeProject({ sshd });
    const local = await freePort();
    const running = project.spawn(['--forward', `${local}:127.0.0.1:${remotePort}`], { timeoutMs: 60_000 });
    const stderr = stderrOf(running);
    await poll('the forwarding line', async () => stderr().includes('forwarding'));
    expect(stderr()).toBe(`mtr: forwarding 127.0.0.1:${local} → 127.0.0.1:${remotePort} on test (Ctrl+C stops)\n`);
    expect(await get(local)).toBe('served /hello');
    expect(await get(local)).toBe('served /hello');
    running.child.kill('SIGINT');
    const result = await running.result;
    expect(result.code, result.stderr).toBe(0);
    expect(await refused(local)).toBe(true);
  });

  it('a local port in use: exit 2 with the fix, and no sync, no job', async () => {
    const project = makeProject({ sshd });
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    const name = `e2e-fwd-busy-${randomBytes(3).toString('hex')}`;
    try {
      const result = await project.run(['--name', name, '--forward', `${port}:127.0.0.1:${remotePort}`, 'echo', 'hi']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`local port ${port} is in use`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(project.remoteDir)).toBe(false);
      expect(fs.existsSync(path.join(JOBS_DIR, name))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it("a server's `forward:` entry is held during a run", async () => {
    const local = await freePort();
    const project = makeProject({ sshd, createRemoteDir: true, servers: { test: { forward: [`${local}:127.0.0.1:${remotePort}`] } } });
    const flag = newFlag();
    const running = project.spawn(['--no-sync', ...waitFor(flag)], { timeoutMs: 60_000 });
    expect(await poll('the forward from the config to answer', () => get(local))).toBe('served /hello');
    fs.writeFileSync(flag, '');
    expect((await running.result).code).toBe(0);
    expect(await refused(local)).toBe(true);
  });

  it('--attach NAME holds its forwards while it follows the job', async () => {
    const project = makeProject({ sshd, createRemoteDir: true });
    const local = await freePort();
    const flag = newFlag();
    const name = `e2e-fwd-attach-${randomBytes(3).toString('hex')}`;
    const started = await project.run(['--no-sync', '-d', '--name', name, ...waitFor(flag)]);
    expect(started.code, started.stderr).toBe(0);
    const running = project.spawn(['--attach', name, '--forward', `${local}:127.0.0.1:${remotePort}`], { timeoutMs: 60_000 });
    expect(await poll('the forward of --attach to answer', () => get(local))).toBe('served /hello');
    fs.writeFileSync(flag, '');
    const result = await running.result;
    expect(result.code, result.stderr).toBe(0);
    expect(await refused(local)).toBe(true);
  });

  it('--watch holds its forwards until Ctrl+C', async () => {
    const project = makeProject({ sshd, files: { 'a.txt': 'a' } });
    const local = await freePort();
    const running = project.spawn(['--watch', '--forward', `${local}:127.0.0.1:${remotePort}`], { timeoutMs: 60_000 });
    expect(await poll('the forward of --watch to answer', () => get(local))).toBe('served /hello');
    running.child.kill('SIGINT');
    const result = await running.result;
    expect(result.code, result.stderr).toBe(0);
    expect(await refused(local)).toBe(true);
  });

  describe('config errors', () => {
    it('a bad spec in `forward:` is a config error (exit 2) naming the key', async () => {
      const project = makeProject({ sshd, servers: { test: { forward: ['80:no host here:80'] } } });
      const result = await project.run(['echo', 'hi']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('mtr: .mtr/config.yaml:9: servers.test.forward[0]: expected PORT, LOCAL:PORT or LOCAL:HOST:PORT (ports 1-65535; HOST a name or [IPv6] address), got "80:no host here:80"\n');
      expect(fs.existsSync(project.remoteDir)).toBe(false);
    });
  });
});
