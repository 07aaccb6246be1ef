// A real SSH server (ssh2's Server on 127.0.0.1, a throwaway host key) that lies: its SFTP subsystem
// serves this machine's files read-only, but the tests can add names to any directory listing
// (`../../x`, `a/b`, a NUL), claim content for them, answer reads in small pieces, hold a file's
// reads mid-way, or drop every connection. Exec runs the command with /bin/sh like any server. The caller closes it in finally.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, Connection, FileEntry, ServerChannel, SFTPWrapper } from 'ssh2';
import type { SshdInfo } from './sshd.js';

const { Server, utils } = ssh2;
const STATUS = ssh2.utils.sftp.STATUS_CODE;

/** A name the server adds to a listing; `content` is what it serves when asked for that path. */
export interface HostileEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  content?: string | Buffer;
  /** For a symlink. */
  target?: string;
}

export interface HostileSftpServer {
  port: number;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…` for the client's known_hosts. */
  knownHostsLine: string;
  /** Appends these entries to every listing of the absolute directory `dir` (replaces earlier ones). */
  addToListing(dir: string, entries: HostileEntry[]): void;
  /** Every read is answered with at most `bytes` (a short read, which SFTP allows). */
  limitReads(bytes: number): void;
  /** Reads of `file` (absolute) past `afterBytes` get no answer until release(). */
  stallReads(file: string, afterBytes: number): void;
  /** Resolves when a read of the stalled file is being held. */
  readsHeld(): Promise<void>;
  release(): void;
  /** Ends every client connection at once (a dropped link). */
  dropConnections(): void;
  /** The next SFTP channel is accepted, then the link drops before the session is set up. */
  dropOnSftpOpen(): void;
  close(): Promise<void>;
}

// A dropped link, not a goodbye: the socket goes without an SSH disconnect message.
function destroySocket(connection: Connection): void {
  (connection as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
}

type Handle = { kind: 'dir'; entries: FileEntry[]; sent: boolean } | { kind: 'file'; data: Buffer; path: string };

/**
 * ssh2's ed25519 generator strips a leading zero byte of the public key, so about 1 key in 256
 * cannot be parsed back (mscdex/ssh2#1390, #1513): generate until both halves parse.
 */
function parseableHostKey(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

export async function startHostileSftpServer(sshd: SshdInfo, home: string): Promise<HostileSftpServer> {
  const hostKey = parseableHostKey();
  const clientKey = utils.parseKey(fs.readFileSync(sshd.clientKey));
  if (clientKey instanceof Error) throw clientKey;
  const listings = new Map<string, HostileEntry[]>();
  const claimed = new Map<string, HostileEntry>();
  const connections = new Set<Connection>();
  let stall: { file: string; afterBytes: number } | undefined;
  let readLimit = Infinity;
  let dropAtSftp = false;
  let held: (() => void)[] = [];
  let onHeld: (() => void)[] = [];

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => connections.delete(client));
    client.on('authentication', (ctx) => {
      const keyOk =
        ctx.method === 'publickey' &&
        ctx.key.algo === clientKey.type &&
        ctx.key.data.equals(clientKey.getPublicSSH()) &&
        (!ctx.signature || clientKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
      const passwordOk = ctx.method === 'password' && sshd.password !== undefined && ctx.password === sshd.password.password;
      if (ctx.username === sshd.user && keyOk) return ctx.accept();
      if (sshd.password && ctx.username === sshd.password.user && passwordOk) return ctx.accept();
      ctx.reject(['publickey', 'password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('env', (accept) => accept?.());
        session.on('pty', (accept) => accept?.());
        session.on('exec', (accept, _reject, info) => runExec(accept(), info.command, home));
        session.on('sftp', (accept) => {
          const sftp = accept();
          if (!dropAtSftp) return serveSftp(sftp);
          dropAtSftp = false;
          destroySocket(client);
        });
      });
    });
  });

  const resolve = (p: string) => path.posix.resolve(home, p);

  // Real files, plus whatever the test claims is there.
  function lookup(p: string): { stats?: fs.Stats; claim?: HostileEntry; abs: string } {
    const abs = resolve(p);
    const claim = claimed.get(abs);
    if (claim) return { claim, abs };
    try {
      return { stats: fs.lstatSync(abs), abs };
    } catch {
      return { abs };
    }
  }

  function serveSftp(sftp: SFTPWrapper): void {
    const handles = new Map<number, Handle>();
    let nextHandle = 0;
    const newHandle = (h: Handle) => {
      const id = nextHandle++;
      handles.set(id, h);
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(id);
      return buf;
    };
    const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
    const stat = (reqid: number, p: string, follow: boolean) => {
      const { stats, claim, abs } = lookup(p);
      if (claim) return sftp.attrs(reqid, claimAttrs(claim));
      if (!stats) return sftp.status(reqid, STATUS.NO_SUCH_FILE);
      sftp.attrs(reqid, toAttrs(follow && stats.isSymbolicLink() ? fs.statSync(abs) : stats));
    };

    sftp.on('REALPATH', (reqid, p) => sftp.name(reqid, [{ filename: resolve(p), longname: resolve(p), attrs: {} as Attributes }]));
    sftp.on('STAT', (reqid, p) => stat(reqid, p, true));
    sftp.on('LSTAT', (reqid, p) => stat(reqid, p, false));
    sftp.on('OPENDIR', (reqid, p) => {
      const abs = resolve(p);
      let names: string[];
      try {
        names = fs.readdirSync(abs);
      } catch {
        return sftp.status(reqid, STATUS.NO_SUCH_FILE);
      }
      const entries: FileEntry[] = names.map((name) => {
        const attrs = toAttrs(fs.lstatSync(path.join(abs, name)));
        return { filename: name, longname: name, attrs };
      });
      for (const extra of listings.get(abs) ?? []) {
        claimed.set(path.posix.join(abs, extra.name), extra);
        entries.push({ filename: extra.name, longname: extra.name, attrs: claimAttrs(extra) });
      }
      sftp.handle(reqid, newHandle({ kind: 'dir', entries, sent: false }));
    });
    sftp.on('READDIR', (reqid, buf) => {
      const h = handleOf(buf);
      if (h?.kind !== 'dir') return sftp.status(reqid, STATUS.FAILURE);
      if (h.sent) return sftp.status(reqid, STATUS.EOF);
      h.sent = true;
      sftp.name(reqid, h.entries);
    });
    sftp.on('OPEN', (reqid, p, flags) => {
      if (flags & ssh2.utils.sftp.OPEN_MODE.WRITE) return sftp.status(reqid, STATUS.PERMISSION_DENIED);
      const { stats, claim, abs } = lookup(p);
      if (claim) return sftp.handle(reqid, newHandle({ kind: 'file', data: Buffer.from(claim.content ?? ''), path: abs }));
      if (!stats) return sftp.status(reqid, STATUS.NO_SUCH_FILE);
      sftp.handle(reqid, newHandle({ kind: 'file', data: fs.readFileSync(abs), path: abs }));
    });
    sftp.on('FSTAT', (reqid, buf) => {
      const h = handleOf(buf);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS.FAILURE);
      sftp.attrs(reqid, { mode: 0o100644, uid: 0, gid: 0, size: h.data.length, atime: 0, mtime: 0 });
    });
    sftp.on('READ', (reqid, buf, offset, length) => {
      const h = handleOf(buf);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS.FAILURE);
      const answer = () => {
        if (offset >= h.data.length) return sftp.status(reqid, STATUS.EOF);
        sftp.data(reqid, h.data.subarray(offset, offset + Math.min(length, readLimit)));
      };
      if (stall && h.path === stall.file && offset + length > stall.afterBytes) {
        held.push(answer);
        for (const notify of onHeld.splice(0)) notify();
        return;
      }
      answer();
    });
    sftp.on('READLINK', (reqid, p) => {
      const { stats, claim, abs } = lookup(p);
      const target = claim?.target ?? (stats?.isSymbolicLink() ? fs.readlinkSync(abs) : undefined);
      if (target === undefined) return sftp.status(reqid, STATUS.FAILURE);
      sftp.name(reqid, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    });
    sftp.on('CLOSE', (reqid, buf) => {
      if (buf.length === 4) handles.delete(buf.readUInt32BE(0));
      sftp.status(reqid, STATUS.OK);
    });
    for (const op of ['WRITE', 'FSETSTAT', 'SETSTAT', 'MKDIR', 'RMDIR', 'REMOVE', 'RENAME', 'SYMLINK', 'EXTENDED']) {
      sftp.on(op, (reqid: number) => sftp.status(reqid, STATUS.OP_UNSUPPORTED));
    }
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const port = (server.address() as { port: number }).port;
  const publicKey = hostKey.public.trim().split(/\s+/).slice(0, 2).join(' ');

  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${publicKey}`,
    addToListing: (dir, entries) => {
      listings.set(dir, entries);
      for (const key of [...claimed.keys()]) if (path.posix.dirname(key) === dir || key.startsWith(`${dir}/`)) claimed.delete(key);
    },
    limitReads: (bytes) => (readLimit = bytes),
    stallReads: (file, afterBytes) => (stall = { file, afterBytes }),
    readsHeld: () => new Promise<void>((done) => (held.length > 0 ? done() : onHeld.push(done))),
    release: () => {
      stall = undefined;
      // Reads held for a client that has gone since have nobody to answer.
      for (const answer of held.splice(0)) {
        try {
          answer();
        } catch {
          // the channel is closed
        }
      }
    },
    dropConnections: () => {
      for (const connection of connections) destroySocket(connection);
    },
    dropOnSftpOpen: () => {
      dropAtSftp = true;
    },
    close: async () => {
      held = [];
      onHeld = [];
      for (const connection of connections) connection.end();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const;

function claimAttrs(entry: HostileEntry): Attributes {
  const size = entry.type === 'file' ? Buffer.byteLength(entry.content ?? '') : 0;
  return { mode: TYPE_BITS[entry.type] | 0o644, uid: 0, gid: 0, size, atime: 1_700_000_000, mtime: 1_700_000_000 };
}

function toAttrs(stats: fs.Stats): Attributes {
  return { mode: stats.mode, uid: stats.uid, gid: stats.gid, size: stats.size, atime: Math.floor(stats.atimeMs / 1000), mtime: Math.floor(stats.mtimeMs / 1000) };
}

function runExec(channel: ServerChannel, command: string, cwd: string): void {
  const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  channel.pipe(child.stdin!).on('error', () => undefined);
  child.stdout!.pipe(channel, { end: false });
  child.stderr!.pipe(channel.stderr, { end: false });
  channel.on('close', () => child.kill('SIGKILL'));
  child.on('close', (code, signal) => {
    if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
    else channel.exit(code ?? 0);
    channel.end();
  });
}
