// For tests that drive a sync engine directly (not through the built mtr): a statted tree of a local
// folder, and mtr's own connection to the suite's sshd as a Host.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { ServerConfig } from '../../src/config/types.js';
import type { Context } from '../../src/context.js';
import { openHost } from '../../src/host/open.js';
import type { Host } from '../../src/host/types.js';
import { nullLogger } from '../../src/log.js';
import { resolveTarget } from '../../src/ssh/target.js';
import type { LocalEntry, StattedTree } from '../../src/sync/types.js';
import type { SshdInfo } from './sshd.js';

// A small stand-in for the real walker: lstat everything, whole-second mtimes, dirs before contents.
export function walkTree(root: string): StattedTree {
  const entries: LocalEntry[] = [];
  const visit = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(root, p));
      const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
      const entry: LocalEntry = { path: p, type, size: type === 'file' ? st.size : 0, mtime: Math.floor(st.mtimeMs / 1000), mode: st.mode & 0o7777 };
      if (type === 'symlink') entry.linkTarget = fs.readlinkSync(path.join(root, p));
      entries.push(entry);
      if (type === 'dir') visit(p);
    }
  };
  visit('');
  entries.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { kind: 'statted', root, entries, excludedCount: 0 };
}

function engineContext(home: string): Context {
  return { cwd: home, env: {}, homedir: home, stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), stdinIsData: false };
}

/** mtr's own connection (no shared master) to the suite's sshd, trusting its host key. */
export async function connectHost(sshd: SshdInfo, home: string, auth: { user: string; key?: string; password?: string }): Promise<Host> {
  const knownHostsFile = path.join(home, 'known_hosts');
  fs.writeFileSync(knownHostsFile, `${sshd.knownHostsLine}\n`);
  const server: ServerConfig = {
    name: 'test', host: sshd.host, port: sshd.port, user: auth.user, keyFilename: auth.key, password: auth.password,
    remoteDir: '/unused', sync: 'sftp', exclude: [], respectGitignore: false, delete: false,
    connectTimeout: 10, strictHostKeyChecking: 'yes', knownHostsFile, reuse: false, reuseIdle: 0, deadLinkTimeout: 30,
  };
  return openHost({ kind: 'ssh', server: 'test', target: resolveTarget(server, { homedir: home, localUser: auth.user }), reuse: false }, engineContext(home), nullLogger);
}
