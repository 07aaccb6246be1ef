// A TCP proxy that makes loopback behave like a link with a round-trip time: every byte is held
// RTT/2 in each direction (this kernel has no netem). The connection to the target is opened RTT/2
// after the client's, as a SYN would travel, so the server's first bytes reach the client one full
// RTT after it connected, as on a real link. Order is kept; bandwidth is not limited.
//
// Run as its own process, since the bench times its commands with spawnSync (which blocks the event
// loop a proxy inside the bench would need):
//   node bench/delay-proxy.mjs TARGET_HOST TARGET_PORT [RTT_MS]   → prints "port N" once listening
// RTT_MS defaults to MTR_BENCH_RTT_MS, else 50. Ends when its stdin closes (its parent went away).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const DEFAULT_RTT_MS = 50;

/** The RTT a bench run uses: MTR_BENCH_RTT_MS, else 50 ms. */
export function benchRttMs(env = process.env) {
  const raw = env.MTR_BENCH_RTT_MS;
  if (raw === undefined || raw === '') return DEFAULT_RTT_MS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`MTR_BENCH_RTT_MS must be a number of milliseconds ≥ 0, got ${raw}`);
  return value;
}

// Delivers chunks written to it `delayMs` after they were written, in order, with one timer.
function delayedPipe(to, delayMs) {
  const queue = [];
  let timer;
  let ended = false;
  const drain = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) {
      const item = queue.shift();
      if (item.end) to.end();
      else if (!to.destroyed) to.write(item.chunk);
    }
    if (queue.length) timer = setTimeout(drain, Math.max(0, queue[0].at - now));
  };
  const push = (item) => {
    queue.push({ ...item, at: performance.now() + delayMs });
    if (!timer) timer = setTimeout(drain, delayMs);
  };
  return {
    write: (chunk) => push({ chunk }),
    end: () => {
      if (ended) return;
      ended = true;
      push({ end: true });
    },
    stop: () => clearTimeout(timer),
  };
}

/** Listens on 127.0.0.1 (any free port) and forwards to target with `rttMs` of round trip. */
export function startDelayProxy(target, rttMs) {
  const half = rttMs / 2;
  const sockets = new Set();
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    sockets.add(client);
    const upstream = new net.Socket();
    sockets.add(upstream);
    const toServer = delayedPipe(upstream, 0);
    const toClient = delayedPipe(client, half);
    // Bytes from the client travel half an RTT; the upstream connect itself starts half an RTT late.
    const held = [];
    let connected = false;
    client.on('data', (chunk) => {
      const copy = Buffer.from(chunk);
      setTimeout(() => (connected ? toServer.write(copy) : held.push(copy)), half);
    });
    client.on('end', () => setTimeout(() => (connected ? toServer.end() : held.push(null)), half));
    upstream.on('data', (chunk) => toClient.write(Buffer.from(chunk)));
    upstream.on('end', () => toClient.end());
    const close = () => {
      toServer.stop();
      toClient.stop();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A reset on one side is seen on the other after the delay too.
    client.on('error', () => setTimeout(close, half));
    upstream.on('error', () => setTimeout(close, half));
    client.on('close', () => setTimeout(close, rttMs + 5));
    upstream.on('close', () => setTimeout(close, rttMs + 5));
    setTimeout(() => {
      upstream.connect({ host: target.host, port: target.port }, () => {
        upstream.setNoDelay(true);
        connected = true;
        for (const chunk of held.splice(0)) chunk === null ? toServer.end() : toServer.write(chunk);
      });
    }, half);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        close: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      });
    });
  });
}

/**
 * The proxy as a child process (for a bench that blocks its own event loop): resolves with its
 * port and a stop() once it listens.
 */
export function spawnDelayProxy(target, rttMs) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), target.host, String(target.port), String(rttMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`delay proxy exited (${code}) before listening`)));
    child.stdout.on('data', (chunk) => {
      out += chunk.toString('utf8');
      const match = /^port (\d+)$/m.exec(out);
      if (!match) return;
      child.removeAllListeners('exit');
      resolve({
        port: Number(match[1]),
        pid: child.pid,
        stop: () => {
          child.stdin.end();
          child.kill('SIGTERM');
        },
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host, port, rtt] = process.argv.slice(2);
  if (!host || !port) {
    process.stderr.write('usage: node bench/delay-proxy.mjs TARGET_HOST TARGET_PORT [RTT_MS]\n');
    process.exit(2);
  }
  const rttMs = rtt === undefined ? benchRttMs() : Number(rtt);
  const proxy = await startDelayProxy({ host, port: Number(port) }, rttMs);
  process.stdout.write(`port ${proxy.port}\n`);
  process.stdin.on('end', () => {
    proxy.close();
    process.exit(0);
  });
  process.stdin.resume();
}
