// A second sshd like the run-wide one, whose sessions get a PATH without some tools (e.g. no tmux,
// no rsync): the "server that lacks X" cases. The caller stops it with stopSshdWithout in finally.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { SshdInfo } from './sshd.js';

export interface ReducedSshd {
  port: number;
  child: ChildProcess;
  dir: string;
  knownHostsLine: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startSshdWithout(sshd: SshdInfo, missing: readonly string[]): Promise<ReducedSshd> {
  const dir = fs.mkdtempSync(path.join(sshd.localRoot, `sshd-without-${missing.join('-')}-`));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const entry of fs.readdirSync('/usr/bin')) {
    if (!missing.includes(entry)) fs.symlinkSync(path.join('/usr/bin', entry), path.join(bin, entry));
  }
  const port = await freePort();
  const config = fs
    .readFileSync(path.join(sshd.dir, 'sshd_config'), 'utf8')
    .replace(/^Port .*$/m, `Port ${port}`)
    .replace(/^PidFile .*$/m, `PidFile ${path.join(dir, 'sshd.pid')}`)
    // sshd uses only the first SetEnv line, so PATH joins TMUX_TMPDIR on it.
    .replace(/^SetEnv (.*)$/m, `SetEnv $1 PATH=${bin}`);
  if (!config.includes(`PATH=${bin}`)) throw new Error('the test sshd_config has no SetEnv line to extend');
  const configFile = path.join(dir, 'sshd_config');
  fs.writeFileSync(configFile, config);
  const log = path.join(dir, 'sshd.log');
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], { stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')] });
  const deadline = Date.now() + 10_000;
  while (!fs.readFileSync(log, 'utf8').includes(`Server listening on ${sshd.host} port ${port}`)) {
    if (Date.now() > deadline) throw new Error(`sshd without ${missing.join(', ')} did not start (see ${log})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child, dir, knownHostsLine: `[${sshd.host}]:${port} ${sshd.hostKeyPub}` };
}

export async function stopSshdWithout(server: ReducedSshd | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}
