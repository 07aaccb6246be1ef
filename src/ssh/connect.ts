import net from 'node:net';
import type { Client, ConnectConfig } from 'ssh2';
import type { Context } from '../context.js';
import type { Logger } from '../log.js';
import { createAuthHandler, planAuth } from './auth.js';
import { describeConnectError } from './connect-error.js';
import { coalesceWrites } from './coalesce.js';
import { CLIENT_IDENT, sendIdentEarly } from './early-ident.js';
import { createHostVerifier, preferredHostKeyTypes, type HostKeyRefusal } from './host-verify.js';
import { loadIdentities } from './identities.js';
import { planKeepalive } from './keepalive.js';
import { signKeysFirst } from './sign-first.js';
import { watchLink } from './link-watch.js';
import { loadSsh2, type Ssh2 } from './load-ssh2.js';
import type { SshTarget } from './target.js';
import { PromptCancelled } from '../ui/prompt.js';

// Opens sockets: the only module that dials SSH servers (directly or through ProxyJump hops).

/** mtr's own ssh2 connection (through its ProxyJump hops); host/direct-host.ts makes it a Host. */
export interface SshConnection {
  /** The client of the last hop: the server itself. */
  client: Client;
  target: SshTarget;
  /** Says goodbye on every hop; the socket is cut after a grace period. */
  close(): void;
}

// ssh2 only sends the keepalives; link-watch.ts decides when the silence means a dead link.
const UNLIMITED_KEEPALIVES = Number.MAX_SAFE_INTEGER;
// After saying goodbye, how long the server may take to close: on a slow or dead link the goodbye
// waits behind everything still queued (or forever), and mtr should not.
const CLOSE_GRACE_MS = 1000;
// Room for a person to read a host-key question; the TCP connect itself keeps the short timeout.
const PROMPT_ALLOWANCE_MS = 300_000;

const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect timeout`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      coalesceWrites(socket);
      sendIdentEarly(socket);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function forwardThrough(hop: Client, host: string, port: number): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    hop.forwardOut('127.0.0.1', 0, host, port, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

async function handshake(ssh2: Ssh2, target: SshTarget, sock: NodeJS.ReadableStream, ctx: Context, logger: Logger): Promise<Client> {
  const agentSocket = ctx.env.SSH_AUTH_SOCK || undefined;
  let identities;
  try {
    identities = await loadIdentities(ssh2, target, ctx, agentSocket);
  } catch (error) {
    // Nothing will read this socket now; an open one would keep the process alive.
    (sock as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    throw error;
  }
  const steps = planAuth({ identities, agentSocket, password: target.password });
  const tried: string[] = [];
  let refusal: HostKeyRefusal | undefined;
  const known = preferredHostKeyTypes(target).flatMap((type) => HOST_KEY_ALGORITHMS[type] ?? []);
  const mayPrompt = target.hostKeyPolicy === 'ask' && Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY);
  const keepalive = planKeepalive(target.deadLinkTimeout);
  const config: ConnectConfig = {
    sock: sock as ConnectConfig['sock'],
    host: target.host,
    port: target.port,
    username: target.user,
    // The line connectTcp already sent on the first hop (early-ident.ts): the same on every hop.
    ident: CLIENT_IDENT,
    readyTimeout: target.connectTimeoutMs + (mayPrompt ? PROMPT_ALLOWANCE_MS : 0),
    keepaliveInterval: keepalive.intervalSeconds * 1000,
    keepaliveCountMax: UNLIMITED_KEEPALIVES,
    hostVerifier: createHostVerifier(target, ctx, logger, (r) => (refusal = r)) as ConnectConfig['hostVerifier'],
    authHandler: createAuthHandler(target.user, steps, tried) as ConnectConfig['authHandler'],
    ...(known.length ? { algorithms: { serverHostKey: { prepend: known, append: [], remove: [] } as never } } : {}),
    debug: (line: string) => logger.debug(line),
  };
  const client = new ssh2.Client();
  // ssh2 may emit several errors (timeout, then socket close); the first decides, none may go unheard.
  client.on('error', (error) => logger.debug(`ssh error: ${String(error)}`));
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => {
      client.end();
      (sock as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      // Ctrl+C at the host-key question ends the run like Ctrl+C anywhere (130), not as a failure.
      reject(refusal?.kind === 'cancelled' ? new PromptCancelled('host key') : describeConnectError(error, { target, refusal, tried }));
    };
    client.once('error', onError);
    client.once('ready', () => {
      client.off('error', onError);
      logger.debug(`connected to ${target.user}@${target.host}:${target.port} (auth: ${tried.at(-1)})`);
      // A dead link closes the socket: every channel then ends without an exit status (lost).
      const stopWatch = watchLink(sock, keepalive, (silentMs) => {
        logger.debug(`no reply from ${target.host}:${target.port} for ${(silentMs / 1000).toFixed(1)} s: the link is dead, closing it`);
        (sock as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      });
      client.once('close', stopWatch);
      resolve(client);
    });
    client.connect(config);
    if (signKeysFirst(client)) logger.debug('auth: keys sign at once (no PK_OK query first)');
  });
}

export async function openConnection(target: SshTarget, ctx: Context, logger: Logger): Promise<SshConnection> {
  const hops: Client[] = [];
  const chain = [...target.jumps, target];
  const first = chain[0] as SshTarget;
  // Dial first, then load ssh2 (~40 ms of CPU): the server accepts, forks and sends its banner
  // meanwhile; the socket holds the banner until ssh2 reads it.
  const dialing = connectTcp(first.host, first.port, first.connectTimeoutMs);
  dialing.catch(() => undefined);
  let ssh2: Ssh2;
  try {
    ssh2 = await loadSsh2();
  } catch (error) {
    void dialing.then((socket) => socket.destroy(), () => undefined);
    throw error;
  }
  let socket: net.Socket;
  try {
    socket = await dialing;
  } catch (error) {
    throw describeConnectError(error, { target: first, tried: [] });
  }
  try {
    let sock: NodeJS.ReadableStream = socket;
    for (const [index, hop] of chain.entries()) {
      if (index > 0) {
        try {
          sock = await forwardThrough(hops[index - 1] as Client, hop.host, hop.port);
        } catch (error) {
          throw describeConnectError(Object.assign(new Error((error as Error).message), { code: 'ECONNREFUSED' }), { target: hop, tried: [] });
        }
      }
      hops.push(await handshake(ssh2, hop, sock, ctx, logger));
    }
  } catch (error) {
    for (const hop of hops.reverse()) hop.end();
    throw error;
  }
  const client = hops[hops.length - 1] as Client;
  return {
    client,
    target,
    close: () => {
      for (const hop of [...hops].reverse()) hop.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    },
  };
}
