// Watch-mode latency: edit a file locally → the new content is in the remote copy. Runs `mtr --watch`
// (batch mode) against a loopback sshd, makes EDITS edits one at a time, and polls the remote file
// (same machine) until it holds each edit's content. Goal: p50 ≤ 300 ms, p95 ≤ 1 s.
//
// `node bench/watch.mjs` starts its own sshd; bench/run.mjs calls measureWatchLatency(rig) with its rig.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MTR_BIN = path.join(REPO_ROOT, 'bin', 'mtr.cjs');
const EDITS = Number(process.env.BENCH_WATCH_EDITS ?? 50);
const WARMUP_EDITS = 3;
const GOAL = { p50: 300, p95: 1000 };
// Edits are spaced out so each is its own batch (the debounce would merge faster ones).
const GAP_MS = 150;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function readOrEmpty(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// Resolves when `text` has appeared on the child's stderr; rejects after timeoutMs or on exit.
function waitForStderr(child, pattern, timeoutMs) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    const onData = (chunk) => {
      seen += chunk.toString('utf8');
      if (pattern.test(seen)) done();
    };
    const onExit = (code) => done(new Error(`mtr --watch exited (${code}) before ${pattern}:\n${seen}`));
    const done = (error) => {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      error ? reject(error) : resolve();
    };
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

/** @param {{ project: string, remoteDir: string, env: Record<string, string> }} rig */
export async function measureWatchLatency(rig) {
  const files = Array.from({ length: 5 }, (_, i) => `src/edit-${i}.txt`);
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(rig.project, file)), { recursive: true });
    fs.writeFileSync(path.join(rig.project, file), 'start\n');
  }
  const child = spawn(process.execPath, [MTR_BIN, '--watch', '--no-tty'], { cwd: rig.project, env: rig.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const times = [];
  try {
    await waitForStderr(child, /watching/, 30_000);
    for (let i = 0; i < WARMUP_EDITS + EDITS; i++) {
      const file = files[i % files.length];
      const content = `edit ${i} ${randomBytes(8).toString('hex')}\n`;
      const remote = path.join(rig.remoteDir, file);
      const start = process.hrtime.bigint();
      fs.writeFileSync(path.join(rig.project, file), content);
      const deadline = Date.now() + 10_000;
      while (readOrEmpty(remote) !== content) {
        if (Date.now() > deadline) throw new Error(`edit ${i} of ${file} did not reach the remote within 10 s`);
        await sleep(1);
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (i >= WARMUP_EDITS) times.push(ms);
      await sleep(GAP_MS);
    }
  } finally {
    child.kill('SIGINT');
    const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) child.kill('SIGKILL');
  }
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  return { edits: times.length, p50, p95, max: Math.max(...times), goal: GOAL, ok: p50 <= GOAL.p50 && p95 <= GOAL.p95 };
}

export function formatWatchResult(result) {
  return [
    `| what | p50 ms | p95 ms | max ms | goal | ok? |`,
    `| --- | --- | --- | --- | --- | --- |`,
    `| watch: edit → remote file updated (${result.edits} edits) | ${result.p50.toFixed(1)} | ${result.p95.toFixed(1)} | ${result.max.toFixed(1)} | p50 ≤ ${result.goal.p50}, p95 ≤ ${result.goal.p95} | ${result.ok ? 'yes' : 'NO'} |`,
  ].join('\n');
}

async function main() {
  const { startSshd } = await import('../scripts/sshd-server.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-bench-watch-'));
  let sshd;
  try {
    sshd = await startSshd({ dir: path.join(dir, 'sshd'), passwordUser: false });
    const home = path.join(dir, 'home');
    const project = path.join(dir, 'project');
    const remoteDir = path.join(dir, 'remote', 'project');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `${sshd.knownHostsLine}\n`);
    fs.mkdirSync(path.join(project, '.mtr'), { recursive: true });
    fs.writeFileSync(
      path.join(project, '.mtr', 'config.yaml'),
      `servers:\n  bench:\n    host: ${sshd.host}\n    port: ${sshd.port}\n    key_filename: ${JSON.stringify(sshd.clientKey)}\n    remote_dir: ${JSON.stringify(remoteDir)}\n`,
    );
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', USER: sshd.user, LOGNAME: sshd.user };
    const result = await measureWatchLatency({ project, remoteDir, env });
    process.stdout.write(`${formatWatchResult(result)}\n`);
    if (!result.ok) process.exitCode = 1;
  } finally {
    await sshd?.stop({ killTmux: true });
    if (!process.env.BENCH_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
