// `npm run bench`: how much the built mtr adds over what it wraps. Starts its own sshd on 127.0.0.1,
// makes a temp project pointing at it, then times alternating runs of each row's mtr command and its
// baseline and compares medians with the row's goal. Plain Node, no dependencies.
//
// To add a benchmark (e.g. a sync), append a row to buildRows(): { name, run, baseline, goal } where
// run/baseline are `(rig) => ({ command, args, cwd? })`, plus optional `before(rig, i)` to prepare each
// iteration (touch files to sync, say), or `prepare(rig, side)` to reset before each timed command
// ('run' or 'baseline'; not timed), and `after(rig)` to clean up. `rig` has the sshd, the project and the env every run uses.
// Slow rows may set `runs`/`warmup` (fewer iterations), and a row that is not a timing ratio (peak
// memory) sets `measure(rig)` returning `{ ok, cells }` instead of run/baseline; `setup(rig)` (may be
// async) is awaited before a row is timed. Sync rows: sync.mjs; rows over a delayed link: link.mjs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd } from '../scripts/sshd-server.mjs';
import { canRunSlurm, startSlurm } from '../scripts/slurm-rig.mjs';
import { formatWatchResult, measureWatchLatency } from './watch.mjs';
import { syncRows } from './sync.mjs';
import { chooseLogin, makeRemoteDir } from './login.mjs';
import { linkRows } from './link.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MTR_BIN = path.join(REPO_ROOT, 'bin', 'mtr.cjs');
const RESULTS_FILE = path.join(REPO_ROOT, 'bench', 'results', 'latest.md');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
// Not timed: the first runs fill the page cache and the server's first-connection work.
const WARMUP_RUNS = 2;

const node = (...args) => () => ({ command: process.execPath, args });
// mtr as its users start it: bin/mtr.cjs itself (its shell line, then Node on PATH).
const mtr = (...args) => (rig) => ({ command: MTR_BIN, args, cwd: rig.project });

function sshArgs(rig, ...command) {
  return [
    '-F', '/dev/null',
    '-p', String(rig.sshd.port),
    '-i', rig.sshd.clientKey,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${rig.knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes',
    '-l', rig.login.user,
    rig.sshd.host,
    ...command,
  ];
}

function buildRows(link) {
  return [
    { name: 'startup: `mtr --version` vs `node -e 0`', run: mtr('--version'), baseline: node('-e', '0'), goal: 1.3 },
    {
      name: 'cold run: `mtr --no-sync --no-reuse true` vs `ssh … true`',
      run: mtr('--no-sync', '--no-reuse', 'true'),
      baseline: (rig) => ({ command: 'ssh', args: sshArgs(rig, 'true') }),
      goal: 1.2,
    },
    {
      // The warm-up runs leave the shared connection that the measured runs use.
      name: 'warm run: `mtr --no-sync true` (shared connection) vs cold `ssh … true`',
      run: mtr('--no-sync', 'true'),
      baseline: (rig) => ({ command: 'ssh', args: sshArgs(rig, 'true') }),
      goal: 0.5,
    },
    ...syncRows({ mtrBin: MTR_BIN, sshArgs }),
    {
      // Only where the Slurm test rig can run (root, slurm-wlm, munge): srun through mtr's job vs plain ssh.
      name: 'slurm run: `mtr -s cluster --no-sync true` vs `ssh login srun true`',
      slurm: true,
      run: mtr('-s', 'cluster', '--no-sync', 'true'),
      baseline: (rig) => ({ command: 'ssh', args: sshArgs(rig, `SLURM_CONF=${rig.slurm.conf} srun --quiet true`) }),
      goal: 1.5,
      runs: 7,
    },
    ...link.rows,
  ];
}

// A project and HOME in `dir` whose config and known_hosts point at the bench sshd.
function makeRig(dir, sshd, login, slurm) {
  const home = path.join(dir, 'home');
  const project = path.join(dir, 'project');
  const knownHosts = path.join(home, '.ssh', 'known_hosts');
  fs.mkdirSync(path.dirname(knownHosts), { recursive: true, mode: 0o700 });
  fs.writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
  fs.mkdirSync(path.join(project, '.mtr'), { recursive: true });
  const remoteDir = path.join(dir, 'remote', 'project');
  makeRemoteDir(login, path.dirname(remoteDir));
  const config = [
    'servers:',
    '  bench:',
    `    host: ${sshd.host}`,
    `    port: ${sshd.port}`,
    `    user: ${login.user}`,
    `    key_filename: ${JSON.stringify(sshd.clientKey)}`,
    `    remote_dir: ${JSON.stringify(remoteDir)}`,
    ...(slurm
      ? [
          '  cluster:',
          `    host: ${sshd.host}`,
          `    port: ${sshd.port}`,
          `    user: ${login.user}`,
          `    key_filename: ${JSON.stringify(sshd.clientKey)}`,
          `    remote_dir: ${JSON.stringify(remoteDir)}`,
          `    pre_cmd: ${JSON.stringify(`export SLURM_CONF=${slurm.conf}`)}`,
          '    slurm: {}',
        ]
      : []),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(project, '.mtr', 'config.yaml'), config);
  // Nothing of the caller's shell (agent, ssh config, MTR_SERVER) reaches either side.
  // Shared-connection sockets (connection reuse) of this bench live in its own folder.
  const runtimeDir = path.join(dir, 'run');
  fs.mkdirSync(runtimeDir, { mode: 0o700 });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', USER: sshd.user, LOGNAME: sshd.user, XDG_RUNTIME_DIR: runtimeDir };
  return { sshd, login, home, project, remoteDir, knownHosts, env, slurm };
}

// A row's `gapMs`: idle time before each timed run (both sides), as commands come from a person or
// an agent rather than a tight loop.
function pause(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// Milliseconds from spawn to exit; a failing command ends the benchmark (it would time an error).
function timeOnce(rig, spec) {
  const { command, args, cwd = rig.project } = spec(rig);
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env: rig.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    const why = result.error?.message ?? `exit ${result.status ?? result.signal}`;
    throw new Error(`${command} ${args.join(' ')} failed (${why}):\n${result.stderr}`);
  }
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Alternates which side goes first, so drift (thermal, cache, other load) hits both equally.
function measureRow(rig, row) {
  if (row.measure) return { name: row.name, ...row.measure(rig) };
  const times = { run: [], baseline: [] };
  const warmup = row.warmup ?? WARMUP_RUNS;
  for (let i = 0; i < warmup + (row.runs ?? RUNS); i++) {
    row.before?.(rig, i);
    const order = i % 2 === 0 ? ['run', 'baseline'] : ['baseline', 'run'];
    for (const side of order) {
      row.prepare?.(rig, side);
      if (row.gapMs) pause(row.gapMs);
      const ms = timeOnce(rig, row[side]);
      if (i >= warmup) times[side].push(ms);
    }
  }
  row.after?.(rig);
  const mtrMs = median(times.run);
  const baselineMs = median(times.baseline);
  const ratio = mtrMs / baselineMs;
  return { name: row.name, mtrMs, baselineMs, ratio, goal: row.goal, ok: ratio <= row.goal };
}

function describeMachine(login, rtt) {
  const cpus = os.cpus();
  const ssh = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
  return [
    `date: ${new Date().toISOString()}`,
    `node: ${process.version}`,
    `os: ${os.type()} ${os.release()} ${os.arch()}`,
    `cpus: ${cpus.length} × ${cpus[0]?.model?.trim() ?? 'unknown'}`,
    `ssh: ${(ssh.stderr || ssh.stdout || 'unknown').trim()}`,
    `login: ${login.describe}`,
    `runs: ${RUNS} per side (after ${WARMUP_RUNS} warm-up), medians; fresh-upload row: BENCH_SYNC_RUNS or 7 (after 1); link rows: BENCH_LINK_RUNS or 7; peak RSS: max of BENCH_MEM_RUNS or 2`,
    `link rows: sshd behind bench/delay-proxy.mjs, RTT ${rtt} ms (MTR_BENCH_RTT_MS)`,
  ];
}

function formatTable(results) {
  const rows = results.map((r) => [
    r.name,
    ...(r.cells ?? [r.mtrMs.toFixed(1), r.baselineMs.toFixed(1), `${r.ratio.toFixed(2)}x`, `≤ ${r.goal}x`]),
    r.ok ? 'yes' : 'NO',
  ]);
  const header = ['what', 'mtr median ms', 'baseline median ms', 'ratio', 'goal', 'ok?'];
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

async function main() {
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'mtr.cjs'))) throw new Error('dist/ is missing: run `npm run build` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-bench-'));
  // The login account (sshd reads its authorized keys as that account) must reach the sshd and remote dirs.
  fs.chmodSync(dir, 0o755);
  let sshd;
  let slurm;
  const link = linkRows({ mtrBin: MTR_BIN });
  try {
    sshd = await startSshd({ dir: path.join(dir, 'sshd'), passwordUser: false });
    const login = chooseLogin();
    // BENCH_ONLY=word: just the rows whose name contains it (quick checks while working on one goal).
    const only = process.env.BENCH_ONLY;
    const rows = buildRows(link).filter((row) => !only || row.name.includes(only));
    if (rows.some((row) => row.slurm)) {
      const check = canRunSlurm();
      if (check.ok) slurm = await startSlurm({ dir: path.join(dir, 'slurm') });
      else process.stderr.write(`bench: no Slurm row: ${check.reason}\n`);
    }
    const rig = makeRig(dir, sshd, login, slurm);
    const results = [];
    for (const row of rows.filter((row) => !row.slurm || slurm)) {
      process.stderr.write(`bench: ${row.name} …\n`);
      await row.setup?.(rig);
      results.push(measureRow(rig, row));
    }
    process.stderr.write('bench: watch: edit → remote file updated …\n');
    const watch = only && !'watch'.includes(only) ? undefined : await measureWatchLatency(rig);
    const report = ['# mtr benchmark', '', ...describeMachine(rig.login, link.rtt).map((line) => `- ${line}`), '', formatTable(results), '', watch ? formatWatchResult(watch) : '', ''].join('\n');
    process.stdout.write(`\n${report}`);
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, report);
    process.stdout.write(`\nwritten to ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
  } finally {
    link.close();
    // A master renames itself `ssh: <socket> [mux]`: match the folder, not `ControlPath=`.
    spawnSync('pkill', ['-f', `${path.join(dir, 'run')}/`], { stdio: 'ignore' });
    await slurm?.stop();
    await sshd?.stop({ killTmux: true });
    if (!process.env.BENCH_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
