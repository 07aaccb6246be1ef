// The Host interface (src/host/) against the run-wide real sshd, both implementations: mtr's own
// ssh2 connection, and a shared OpenSSH master (commands and forwards as mux ssh processes, SFTP
// and PTYs on a connection of its own opened on first use).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServerConfig } from '../../src/config/types.js';
import type { Context } from '../../src/context.js';
import { openHost } from '../../src/host/open.js';
import type { HostPlan } from '../../src/host/types.js';
import type { Host } from '../../src/host/types.js';
import { nullLogger } from '../../src/log.js';
import { probeMaster, stopMaster } from '../../src/ssh/mux-client.js';
import { planReuse } from '../../src/ssh/reuse.js';
import { resolveTarget } from '../../src/ssh/target.js';
import { sleep } from '../support/eventually.js';
import { makeOwnKey } from '../support/own-key.js';
import { describeE2E } from '../support/sshd.js';

function get(port: number, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describeE2E('host', (sshd) => {
  // Logins with this file's own key: test files running at the same time log in with the rig's.
  const ownKey = makeOwnKey(sshd);
  const authCount = () => ownKey.logins();
  let base: string;
  let ctx: Context;
  let web: http.Server;
  let webPort: number;
  let direct: Host;
  let shared: Host;
  let socket: string;
  const hosts: Record<'direct' | 'shared', () => Host> = { direct: () => direct, shared: () => shared };

  const plan = (reuse: boolean): HostPlan => {
    const server: ServerConfig = {
      name: 'test', host: sshd.host, port: sshd.port, user: sshd.user, keyFilename: ownKey.file,
      remoteDir: '/unused', sync: 'auto', exclude: [], respectGitignore: false, delete: false,
      connectTimeout: 10, strictHostKeyChecking: 'yes', knownHostsFile: path.join(base, 'known_hosts'), reuse: true, reuseIdle: 60, deadLinkTimeout: 30,
    };
    const target = planReuse(resolveTarget(server, { homedir: base, localUser: sshd.user }), ctx, { reuse, idleSeconds: 60 });
    return { kind: 'ssh', server: 'test', target, reuse };
  };

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(sshd.localRoot, 'host-'));
    fs.writeFileSync(path.join(base, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    fs.mkdirSync(path.join(base, 'run'));
    ctx = { cwd: base, env: { XDG_RUNTIME_DIR: path.join(base, 'run') }, homedir: base, stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), stdinIsData: false };
    // Stands for a service on the server's loopback (the sshd runs on this machine).
    web = http.createServer((req, res) => res.end(`served ${req.url}`));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as AddressInfo).port;
    direct = await openHost(plan(false), ctx, nullLogger);
    // A first run with reuse on connects directly and leaves a master behind when it closes.
    const first = await openHost(plan(true), ctx, nullLogger);
    expect(first.shared).toBe(false);
    first.close();
    socket = plan(true).target.control!.path;
    for (const until = Date.now() + 15_000; (await probeMaster(socket)) !== 'alive'; await sleep(50)) {
      if (Date.now() > until) throw new Error(`no master on ${socket}`);
    }
    shared = await openHost(plan(true), ctx, nullLogger);
  }, 60_000);

  afterAll(async () => {
    direct?.close();
    shared?.close();
    await new Promise((resolve) => web?.close(resolve));
    if (socket) await stopMaster(socket, {});
  });

  it('opens the kind the plan asks for', () => {
    expect([direct.shared, shared.shared]).toEqual([false, true]);
    expect(shared.target.control?.path).toBe(socket);
  });

  // Before anything below opens the shared host's own connection (PTY, SFTP).
  it('shared: commands and forwards ride the master (no new login)', async () => {
    const before = authCount();
    // The hosts opened above logged in with this key: the count can see a login.
    expect(before).toBeGreaterThan(0);
    expect((await shared.capture('echo hi')).stdout.toString()).toBe('hi\n');
    const stream = await shared.forwardOut('127.0.0.1', webPort);
    const reply = new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      stream.on('end', () => resolve(text));
    });
    stream.end('GET /raw HTTP/1.0\r\n\r\n');
    expect(await reply).toMatch(/served \/raw$/);
    expect(authCount()).toBe(before);
  });

  for (const [name, host] of Object.entries(hosts)) {
    it(`${name}: capture gives stdout, stderr and the exit status, with stdin`, async () => {
      expect(await host().capture('cat; echo oops >&2; exit 3', 'fed in\n')).toEqual({ code: 3, stdout: Buffer.from('fed in\n'), stderr: Buffer.from('oops\n') });
      // A command line too long for one exec argument is staged first.
      const long = `echo ${'x'.repeat(70 * 1024)} | wc -c`;
      expect((await host().capture(long)).stdout.toString().trim()).toBe(String(70 * 1024 + 1));
    });

    it(`${name}: exec streams both ways and ends with the status`, async () => {
      const channel = await host().exec('read line; echo "got $line"; exit 7');
      const out: Buffer[] = [];
      channel.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      channel.stderr.resume();
      let status: number | undefined;
      channel.on('exit', (s) => (status = s));
      const closed = new Promise<void>((resolve) => channel.once('close', resolve));
      channel.stdin.end('hello\n');
      await closed;
      expect([Buffer.concat(out).toString(), status]).toEqual(['got hello\n', 7]);
    });

    it(`${name}: a PTY merges stderr into stdout and ends with the status`, async () => {
      const channel = await host().exec('echo to-err >&2; exit 4', { pty: { term: 'xterm', cols: 80, rows: 24 } });
      const out: Buffer[] = [];
      channel.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      channel.stderr.resume();
      let status: number | undefined;
      channel.on('exit', (s) => (status = s));
      await new Promise<void>((resolve) => channel.once('close', resolve));
      expect([Buffer.concat(out).toString(), status]).toEqual(['to-err\r\n', 4]);
    });

    it(`${name}: forwardLocal carries connections to a port on the server's loopback`, async () => {
      const forward = await host().forwardLocal({ remoteHost: '127.0.0.1', remotePort: webPort });
      try {
        expect(forward.localHost).toBe('127.0.0.1');
        expect(forward.localPort).not.toBe(webPort);
        const answers = await Promise.all([get(forward.localPort, '/a'), get(forward.localPort, '/b')]);
        expect(answers).toEqual([{ status: 200, body: 'served /a' }, { status: 200, body: 'served /b' }]);
      } finally {
        await forward.close();
      }
      await expect(get(forward.localPort, '/after')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it(`${name}: SFTP at the login directory, with the server's limits and atomic rename`, async () => {
      const sftp = await host().sftp();
      try {
        expect(sftp.home).toMatch(/^\//);
        // ssh2's undocumented maxOpenHandles (host/ssh2-sftp.ts): OpenSSH announces a limit.
        expect(sftp.maxOpenHandles).toBeGreaterThan(0);
        expect(sftp.maxOpenHandles).toBeLessThan(Infinity);
        expect(await sftp.freeBytes(sftp.home)).toBeGreaterThan(0);
        const dir = fs.mkdtempSync(path.join(sshd.remoteRoot, `host-${name}-`));
        fs.chmodSync(dir, 0o777);
        fs.writeFileSync(path.join(dir, 'a'), 'new');
        fs.writeFileSync(path.join(dir, 'b'), 'old');
        await sftp.rename(path.join(dir, 'a'), path.join(dir, 'b'));
        expect([fs.existsSync(path.join(dir, 'a')), fs.readFileSync(path.join(dir, 'b'), 'utf8')]).toEqual([false, 'new']);
      } finally {
        sftp.end();
      }
      expect(sftp.closed).toBe(true);
      await expect(sftp.stat('/')).rejects.toThrow(/channel closed/);
    });
  }
});
